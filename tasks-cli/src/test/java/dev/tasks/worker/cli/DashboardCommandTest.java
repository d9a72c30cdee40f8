package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Brokers;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tasks dashboard} as an operator starts it: a separate JVM over an embedded H2 database that this
 * test fills from its own process, answering HTTP with the broker's counts, read-only when bound beyond
 * loopback without a password, and exiting 0 on SIGTERM.
 */
class DashboardCommandTest {
    private static final Pattern URL = Pattern.compile("dashboard on (http://\\S+/)");

    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void killLeftovers() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void serves_the_brokers_counts_over_http_and_exits_0_on_sigterm() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";AUTO_SERVER=TRUE";
        try (Broker broker = Brokers.open(url)) {
            for (int i = 0; i < 3; i++) {
                publish(broker, "dashq", "d" + i);
            }
            process = start("--broker", url, "--port", "0");
            String base = awaitUrl();
            assertThat(base).startsWith("http://127.0.0.1:");
            HttpResponse<String> overview = get(base);
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(overview.body()).contains("dashq");
            assertThat(get(base + "live/overview").body()).contains("dashq").contains("3");
            assertThat(get(base + "dead?queue=dashq").statusCode()).isEqualTo(200);
        }
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("dashboard exited; log:%n%s", log()).isTrue();
        assertThat(process.exitValue()).as(log()).isEqualTo(ExitCodes.OK);
        assertThat(log()).doesNotContain("Exception");
    }

    @Test
    void bound_beyond_loopback_without_a_password_it_is_read_only() throws Exception {
        process = start("--broker", "jdbc:h2:file:" + dir.resolve("db2") + ";AUTO_SERVER=TRUE", "--port", "0",
                "--bind", "0.0.0.0");
        awaitUrl();
        assertThat(log()).contains("(read-only: ");
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(ExitCodes.OK);
    }

    @Test
    void a_bad_port_or_address_is_one_line_and_exit_2() {
        assertThat(runInProcess("dashboard", "--broker", "memory://dash-bad", "--port", "70000"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(runInProcess("dashboard", "--broker", "memory://dash-bad", "--bind", "no-such-host.invalid"))
                .isEqualTo(ExitCodes.USAGE);
    }

    private int runInProcess(String... args) {
        StringWriter err = new StringWriter();
        int code = TasksCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
        assertThat(err.toString().strip().lines().count()).as("stderr: %s", err).isEqualTo(1);
        assertThat(err.toString()).doesNotContain("\tat ");
        return code;
    }

    private Process start(String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classpath, TasksCli.class.getName(), "dashboard"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
    }

    private String awaitUrl() {
        String[] found = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Matcher m = URL.matcher(log());
            if (m.find()) {
                found[0] = m.group(1);
                return true;
            }
            assertThat(process.isAlive()).as("dashboard process alive; log:%n%s", log()).isTrue();
            return false;
        });
        return found[0];
    }

    private String log() throws IOException {
        Path p = dir.resolve("out.log");
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void publish(Broker broker, String queue, String id) {
        Envelope e = Envelope.builder(id, "cli.work").args(EnvelopeCodec.json().encodeArgs(new Object[] {id, 0L})).build();
        broker.publish(new OutboundMessage(id, queue, 0, null, EnvelopeCodec.json().encode(e)));
    }
}
