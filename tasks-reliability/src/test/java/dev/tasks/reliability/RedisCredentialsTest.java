package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.Signature;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.worker.Worker;
import dev.tasks.worker.cli.TasksCli;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * A private Redis with {@code requirepass} and an ACL user: the right credentials work from every source
 * (builder, URL, environment, password file, properties file); wrong ones fail at start with a clear error;
 * no secret ever shows in exceptions, logs, CLI output, or metrics (names, tags, the Prometheus page).
 */
class RedisCredentialsTest {
    static final String PASSWORD = Secrets.fresh("requirepass");
    static final String USER = "tasksuser";
    static final String USER_PASSWORD = Secrets.fresh("aclpass");
    static final String PING_ONLY_USER = "pinger";
    static final String PING_ONLY_PASSWORD = Secrets.fresh("pingpass");
    static final String WRONG = Secrets.fresh("wrongpass");
    static final String[] ALL = {PASSWORD, USER_PASSWORD, PING_ONLY_PASSWORD, WRONG};

    @TempDir
    static Path dir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(dir, "--requirepass", PASSWORD);
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            j.auth(PASSWORD);
            j.aclSetUser(USER, "on", ">" + USER_PASSWORD, "~*", "&*", "+@all");
            j.aclSetUser(PING_ONLY_USER, "on", ">" + PING_ONLY_PASSWORD, "+ping", "+hello", "+client", "+auth");
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private String url() {
        return "redis://127.0.0.1:" + server.port();
    }

    @Test
    void the_right_password_or_acl_user_works_from_the_builder_and_the_url() {
        try (LogCapture logs = new LogCapture()) {
            try (RedisBroker b = RedisBroker.builder().url(url()).password(PASSWORD).build()) {
                assertThat(b.queues()).isNotNull();
            }
            try (RedisBroker b = RedisBroker.builder().url("redis://:" + PASSWORD + "@127.0.0.1:" + server.port()).build()) {
                assertThat(b.queues()).isNotNull();
                assertThat(b.describe()).doesNotContain(PASSWORD);
                assertThat(b.toString()).doesNotContain(PASSWORD);
            }
            try (RedisBroker b = RedisBroker.builder()
                    .url("redis://" + USER + ":" + USER_PASSWORD + "@127.0.0.1:" + server.port()).build()) {
                assertThat(b.queues()).isNotNull();
                assertThat(b.describe()).contains(USER).doesNotContain(USER_PASSWORD);
            }
            Secrets.assertNotIn("logs", logs.text(), ALL);
        }
    }

    @Test
    void wrong_or_missing_credentials_fail_at_start_with_a_clear_error_that_hides_the_secret() {
        try (LogCapture logs = new LogCapture()) {
            Throwable wrongPassword = catchThrowable(() -> RedisBroker.builder().url(url()).password(WRONG).build());
            Throwable wrongInUrl = catchThrowable(() -> RedisBroker.builder()
                    .url("redis://:" + WRONG + "@127.0.0.1:" + server.port()).build());
            Throwable wrongUser = catchThrowable(() -> RedisBroker.builder()
                    .url("redis://" + USER + ":" + WRONG + "@127.0.0.1:" + server.port()).build());
            Throwable none = catchThrowable(() -> RedisBroker.builder().url(url()).build());
            Throwable viaFactory = catchThrowable(() -> Tasks.builder()
                    .brokerUrl("redis://" + USER + ":" + WRONG + "@127.0.0.1:" + server.port()).build());
            for (Throwable t : new Throwable[] {wrongPassword, wrongInUrl, wrongUser, viaFactory}) {
                assertThat(t).isInstanceOf(BrokerException.class)
                        .hasMessageContaining("127.0.0.1:" + server.port())
                        .hasMessageFindingMatch("(?i)WRONGPASS|invalid username-password|auth");
                Secrets.assertNotIn(t, ALL);
            }
            LoggerFactory.getLogger(RedisCredentialsTest.class).info("wrong password: {} / no password: {}",
                    wrongPassword.getMessage(), none.getMessage());
            assertThat(none).isInstanceOf(BrokerException.class).hasMessageFindingMatch("(?i)NOAUTH|auth");
            Secrets.assertNotIn(none, ALL);
            Secrets.assertNotIn("logs", logs.text(), ALL);
        }
    }

    @Test
    void a_user_without_permissions_fails_loudly_on_its_first_command_without_the_secret() {
        try (LogCapture logs = new LogCapture()) {
            Throwable t = catchThrowable(() -> {
                try (RedisBroker b = RedisBroker.builder()
                        .url("redis://" + PING_ONLY_USER + ":" + PING_ONLY_PASSWORD + "@127.0.0.1:" + server.port())
                        .build()) {
                    b.queues();
                }
            });
            assertThat(t).isInstanceOf(BrokerException.class).hasMessageContaining("NOPERM");
            Secrets.assertNotIn(t, ALL);
            Secrets.assertNotIn("logs", logs.text(), ALL);
        }
    }

    @Test
    void no_secret_appears_in_worker_logs_metrics_or_results() {
        String queue = "sec-" + UUID.randomUUID().toString().substring(0, 8);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (LogCapture logs = new LogCapture();
                RedisBroker broker = RedisBroker.builder()
                        .url("redis://" + USER + ":" + USER_PASSWORD + "@127.0.0.1:" + server.port()).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            Worker w = Worker.builder().broker(broker)
                    .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> {
                        throw new IllegalStateException("no run log here");
                    })).build())
                    .queues(queue).concurrency(1).meterRegistry(meters).unknownTaskGrace(Duration.ZERO).statsInterval(Duration.ofMillis(100))
                    .fetchWait(Duration.ofMillis(100)).build();
            w.start();
            try {
                long adds = RelTasksImpl.ADDS.get();
                tasks.send(Signature.of("rel.add", 1, 2).queue(queue));
                tasks.send(Signature.of("rel.gone", 2).queue(queue));
                await().atMost(Duration.ofSeconds(20)).until(() -> RelTasksImpl.ADDS.get() > adds
                        && broker.stats(queue).dead() == 1);
            } finally {
                w.stop(Duration.ofSeconds(2));
            }
            StringBuilder all = new StringBuilder();
            for (Meter m : meters.getMeters()) {
                all.append(m.getId()).append('\n');
            }
            assertThat(all).contains("tasks.received");
            Secrets.assertNotIn("meters", all.toString(), ALL);
            Secrets.assertNotIn("logs", logs.text(), ALL);
            Secrets.assertNotIn("dead letters", broker.deadLetters(queue, 10).toString(), ALL);
        }
    }

    @Test
    void the_cli_takes_the_password_from_a_properties_file_and_never_prints_it() throws Exception {
        Path props = dir.resolve("cli-tasks.properties");
        Files.writeString(props, "tasks.broker.url=redis://" + USER + "@127.0.0.1:" + server.port() + "\n"
                + "tasks.broker.password=" + USER_PASSWORD + "\n");
        Path wrongProps = dir.resolve("cli-wrong.properties");
        Files.writeString(wrongProps, "tasks.broker.url=redis://" + USER + "@127.0.0.1:" + server.port() + "\n"
                + "tasks.broker.password=" + WRONG + "\n");
        try (LogCapture logs = new LogCapture()) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int ok = TasksCli.run(new PrintWriter(out), new PrintWriter(err), "inspect", "--config", props.toString());
            assertThat(ok).as(err.toString()).isZero();
            StringWriter out2 = new StringWriter();
            StringWriter err2 = new StringWriter();
            int wrong = TasksCli.run(new PrintWriter(out2), new PrintWriter(err2), "inspect", "--config",
                    wrongProps.toString());
            assertThat(wrong).isEqualTo(1);
            assertThat(err2.toString()).containsPattern("(?i)WRONGPASS|invalid username-password")
                    .contains("127.0.0.1:" + server.port());
            StringWriter out3 = new StringWriter();
            StringWriter err3 = new StringWriter();
            int inUrl = TasksCli.run(new PrintWriter(out3), new PrintWriter(err3), "dlq", "list", "-Q", "q1",
                    "--broker", "redis://" + USER + ":" + USER_PASSWORD + "@127.0.0.1:" + server.port());
            assertThat(inUrl).as(err3.toString()).isZero();
            Secrets.assertNotIn("cli output", out + "\n" + err + "\n" + out2 + "\n" + err2 + "\n" + out3 + "\n" + err3,
                    ALL);
            Secrets.assertNotIn("logs", logs.text(), ALL);
            assertThat(logs.text()).contains("carries a password, which other users can see in the process list");
        }
    }

    @Test
    void a_worker_process_with_a_wrong_password_exits_with_a_clear_error_and_a_right_one_serves_metrics_without_it()
            throws Exception {
        WorkerProcess.Result wrong = WorkerProcess.builder(dir.resolve("worker-wrong.log"))
                .env("TASKS_BROKER_PASSWORD", WRONG)
                .worker("sec", "--broker", url())
                .run(60);
        assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(1);
        LoggerFactory.getLogger(RedisCredentialsTest.class).info("worker with a wrong password printed:\n{}",
                wrong.output());
        assertThat(wrong.output()).containsPattern("(?i)WRONGPASS|invalid username-password");
        Secrets.assertNotIn("worker output", wrong.output(), ALL);

        Path secretFile = dir.resolve("redis-password");
        Files.writeString(secretFile, PASSWORD + "\n");
        int port = RedisServer.freePort();
        try (WorkerProcess p = WorkerProcess.builder(dir.resolve("worker-right.log"))
                .env("TASKS_BROKER_PASSWORD_FILE", secretFile.toString())
                .env("TASKS_LOG_LEVEL", "DEBUG")
                .worker("sec", "--broker", url(), "--metrics-port", Integer.toString(port))
                .start()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String[] page = {""};
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                assertThat(p.isAlive()).as(p.log()).isTrue();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
                page[0] = r.body();
                return r.statusCode() == 200 && page[0].contains("tasks_queue_depth");
            });
            p.terminate();
            assertThat(p.waitFor(30)).as(p.log()).isZero();
            Secrets.assertNotIn("metrics page", page[0], ALL);
            Secrets.assertNotIn("worker output at DEBUG", p.log(), ALL);
            assertThat(p.log()).contains("worker started");
        }
    }
}
