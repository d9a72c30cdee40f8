package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.worker.CliFixtureProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@code tasks worker} as a separate JVM and stops it with SIGTERM ({@link Process#destroy()}). The
 * worker process seeds its own in-memory broker (see {@link CliFixtureProvider}), so this test needs no
 * broker shared between processes; what was given back is read from the worker's shutdown log line.
 */
class WorkerProcessTest {

    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void killLeftovers() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private Process startWorker(long slowMillis, String... extra) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classpath,
                "-Dtasks.test.dir=" + dir, "-Dtasks.test.seedBroker=memory://cli", "-Dtasks.test.seed=5",
                "-Dtasks.test.slowMillis=" + slowMillis, TasksCli.class.getName(), "worker", "--broker", "memory://cli",
                "-Q", "cli", "-c", "1", "--prefetch", "5", "--app", CliFixtureProvider.class.getName()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile());
        return pb.start();
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("out.log"), StandardCharsets.UTF_8);
    }

    @Test
    void sigterm_lets_the_running_task_finish_gives_back_prefetched_ones_and_exits_0() throws Exception {
        process = startWorker(1500, "--grace", "20s");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("slow.started")));
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("worker exited; log:%n%s", log()).isTrue();
        String log = log();
        assertThat(process.exitValue()).as(log).isEqualTo(ExitCodes.OK);
        assertThat(dir.resolve("slow.finished")).exists();
        assertThat(dir.resolve("slow.interrupted")).doesNotExist();
        assertThat(log).contains("warm shutdown")
                .contains("5 prefetched task(s) given back at once, 0 running task(s) given back");
        for (int i = 0; i < 5; i++) {
            assertThat(dir.resolve("quick-" + i + ".started")).doesNotExist();
        }
        assertThat(log).doesNotContain("Exception");
    }

    @Test
    void a_second_sigterm_stops_cold_and_gives_back_the_running_task() throws Exception {
        process = startWorker(30_000, "--grace", "60s");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("slow.started")));
        process.destroy();
        await().atMost(Duration.ofSeconds(10)).until(() -> log().contains("warm shutdown"));
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("worker exited; log:%n%s", log()).isTrue();
        String log = log();
        assertThat(process.exitValue()).as(log).isEqualTo(ExitCodes.OK);
        assertThat(log).contains("cold shutdown").contains("5 prefetched task(s) given back at once, 1 running task(s) given back")
                .doesNotContain("Exception");
        assertThat(dir.resolve("slow.finished")).doesNotExist();
    }

    @Test
    void serves_the_dashboard_with_its_own_rates_when_given_a_dashboard_port() throws Exception {
        process = startWorker(0, "--dashboard-port", "0");
        java.util.regex.Pattern url = java.util.regex.Pattern.compile("dashboard on (http://\\S+/)");
        String[] base = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            java.util.regex.Matcher m = url.matcher(log());
            return m.find() && (base[0] = m.group(1)) != null;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("slow.finished")));
        java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base[0])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("cli");
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("worker exited; log:%n%s", log()).isTrue();
        assertThat(process.exitValue()).as(log()).isEqualTo(ExitCodes.OK);
    }
}
