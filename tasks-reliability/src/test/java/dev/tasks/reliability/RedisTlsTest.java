package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code rediss://} against a private redis-server that speaks TLS only, with a test CA and server
 * certificate made by {@code openssl} in a temporary directory (and a password, to check it stays hidden
 * over TLS too). The clients run in worker/CLI processes given a trust store by the standard
 * {@code javax.net.ssl.trustStore} properties; without it the connection fails with a clear error.
 */
class RedisTlsTest {
    static final String PASSWORD = Secrets.fresh("tlspass");

    @TempDir
    static Path dir;
    static RedisServer server;
    static Path trustStore;

    @BeforeAll
    static void startServer() throws Exception {
        Path openssl = Env.executable("openssl");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        run(certs, openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=tasks-test-ca", "-keyout", "ca.key", "-out", "ca.crt");
        run(certs, openssl.toString(), "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-keyout", "server.key", "-out", "server.csr");
        Files.writeString(certs.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run(certs, openssl.toString(), "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
        trustStore = certs.resolve("trust.p12");
        run(certs, keytool.toString(), "-importcert", "-noprompt", "-alias", "tasks-test-ca", "-file", "ca.crt",
                "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        int tlsPort = RedisServer.freePort();
        Path serverDir = Files.createDirectories(dir.resolve("server"));
        try {
            server = RedisServer.start(serverDir, tlsPort, "--port", "0", "--tls-port", Integer.toString(tlsPort),
                    "--tls-cert-file", certs.resolve("server.crt").toString(),
                    "--tls-key-file", certs.resolve("server.key").toString(),
                    "--tls-ca-cert-file", certs.resolve("ca.crt").toString(),
                    "--tls-auth-clients", "no", "--requirepass", PASSWORD);
        } catch (IllegalStateException e) {
            if (e.getMessage().contains("TLS") && e.getMessage().contains("not supported")) {
                throw Env.unavailable("this redis-server was built without TLS: " + e.getMessage());
            }
            throw e;
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static String tlsUrl() {
        return "rediss://127.0.0.1:" + server.port();
    }

    @Test
    void a_worker_process_runs_tasks_over_tls_and_the_cli_inspects_over_it() throws Exception {
        String queue = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        try (WorkerProcess worker = WorkerProcess.builder(dir.resolve("tls-worker.log"))
                .jvm("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                        "-Djavax.net.ssl.trustStoreType=PKCS12")
                .env("TASKS_BROKER_PASSWORD", PASSWORD)
                .worker(queue, "--broker", tlsUrl(), "-c", "2")
                .start()) {
            // The server speaks TLS only: a plain-text client gets nowhere.
            assertThat(catchAll(() -> {
                try (Jedis plain = new Jedis("127.0.0.1", server.port(), 1000)) {
                    plain.ping();
                }
            })).as("a plain-text connection to the TLS port").isNotNull();
            WorkerProcess.Result inspect = WorkerProcess.builder(dir.resolve("tls-inspect.log"))
                    .jvm("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                            "-Djavax.net.ssl.trustStoreType=PKCS12")
                    .env("TASKS_BROKER_PASSWORD", PASSWORD)
                    .args("inspect", "--broker", tlsUrl())
                    .run(60);
            assertThat(inspect.exitCode()).as(inspect.output()).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> worker.log().contains("worker started")
                    || !worker.isAlive());
            assertThat(worker.isAlive()).as(worker.log()).isTrue();
            assertThat(worker.log()).contains("rediss://127.0.0.1:" + server.port());
            worker.terminate();
            assertThat(worker.waitFor(30)).as(worker.log()).isZero();
            Secrets.assertNotIn("worker output", worker.log(), PASSWORD);
            Secrets.assertNotIn("inspect output", inspect.output(), PASSWORD);
        }
    }

    @Test
    void tasks_enqueued_over_tls_run_in_a_worker_process() throws Exception {
        String queue = "tlsrun-" + UUID.randomUUID().toString().substring(0, 8);
        Path producerLog = dir.resolve("tls-producer.log");
        // Enqueue from a child JVM with the trust store, through the same client API an application uses.
        WorkerProcess.Result produce = WorkerProcess.builder(producerLog)
                .jvm("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                        "-Djavax.net.ssl.trustStoreType=PKCS12")
                .mainClass(TlsProducer.class.getName())
                .args(tlsUrl(), PASSWORD, queue, "20")
                .run(60);
        assertThat(produce.exitCode()).as(produce.output()).isZero();
        try (WorkerProcess worker = WorkerProcess.builder(dir.resolve("tls-runner.log"))
                .jvm("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                        "-Djavax.net.ssl.trustStoreType=PKCS12")
                .env("TASKS_BROKER_PASSWORD", PASSWORD)
                .worker(queue, "--broker", tlsUrl(), "-c", "2")
                .start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> inspectReady(queue) == 0 || !worker.isAlive());
            assertThat(worker.isAlive()).as(worker.log()).isTrue();
            worker.terminate();
            assertThat(worker.waitFor(30)).as(worker.log()).isZero();
        }
    }

    @Test
    void without_the_test_ca_in_its_trust_store_a_client_refuses_the_server_with_a_clear_error() {
        WorkerProcess.Result r = WorkerProcess.builder(dir.resolve("tls-untrusted.log"))
                .env("TASKS_BROKER_PASSWORD", PASSWORD)
                .args("inspect", "--broker", tlsUrl())
                .run(60);
        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        org.slf4j.LoggerFactory.getLogger(RedisTlsTest.class).info("untrusted server certificate:\n{}", r.output());
        assertThat(r.output()).contains("rediss://127.0.0.1:" + server.port())
                .containsPattern("(?i)certificat|PKIX|SSL|handshake");
        Secrets.assertNotIn("output", r.output(), PASSWORD);
    }

    /** Ready count of a queue, read through the CLI over TLS (-1 when it cannot be read). */
    private static long inspectReady(String queue) {
        WorkerProcess.Result r = WorkerProcess.builder(dir.resolve("tls-inspect-" + System.nanoTime() + ".log"))
                .jvm("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
                        "-Djavax.net.ssl.trustStoreType=PKCS12")
                .env("TASKS_BROKER_PASSWORD", PASSWORD)
                .args("inspect", "--broker", tlsUrl(), "-Q", queue)
                .run(60);
        for (String line : r.output().split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length == 5 && cols[0].equals(queue)) {
                return Long.parseLong(cols[1]) + Long.parseLong(cols[3]);
            }
        }
        return -1;
    }

    private static Throwable catchAll(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tool.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + Files.readString(dir.resolve("tool.log")));
        }
    }

    /** Enqueues N {@code rel.noop} tasks over TLS: {@code <url> <password> <queue> <n>}. */
    public static final class TlsProducer {
        private TlsProducer() {}

        public static void main(String[] args) {
            try (RedisBroker broker = RedisBroker.builder().url(args[0]).password(args[1]).build();
                    Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
                List<Signature> batch = new ArrayList<>();
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    batch.add(Signature.of("rel.noop", (long) i).queue(args[2]));
                }
                tasks.sendAll(batch);
                System.out.println("enqueued " + batch.size() + " over " + broker.describe());
            }
        }
    }
}
