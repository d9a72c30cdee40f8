package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.EnqueueOptions;
import dev.tasks.TaskHandle;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /health/live} and {@code /health/ready} of a {@code worker} and a {@code beat}, each a separate JVM
 * started as an operator would ({@code --config}, {@code --metrics-port}), on Redis, PostgreSQL and H2 behind a
 * TCP proxy: both are ready; the proxy refuses every connection (the broker is unreachable), and both answer
 * 503 with the reason while staying live; the link comes back and both are ready again. Then SIGTERM during a
 * running task: the worker is not live while its warm shutdown waits for the task, and exits 0.
 */
class HealthProcessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws IOException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        Path release = dir.resolve("release");
        if (!Files.exists(release)) {
            Files.writeString(release, "");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private Process start(String name, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classpath, TasksCli.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        processes.add(p);
        return p;
    }

    private String log(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    }

    private void awaitStatus(int port, String path, int status, String bodyPart, String process) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(processes.stream().allMatch(Process::isAlive)).as("processes alive; log:%n%s", log(process))
                    .isTrue();
            HealthEndpointsTest.Answer a;
            try {
                a = HealthEndpointsTest.get(port, path);
            } catch (IOException notYetListening) {
                throw new AssertionError(process + " not listening yet", notYetListening);
            }
            assertThat(a.status()).as("%s %s: %s", process, path, a.body()).isEqualTo(status);
            assertThat(a.body()).contains(bodyPart);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {TestBackends.REDIS, TestBackends.POSTGRES, TestBackends.H2})
    void ready_turns_503_while_the_broker_is_unreachable_and_back_to_200_when_it_returns(String kind) throws Exception {
        try (TestBackends.Backend b = TestBackends.behindProxy(kind, dir);
                Tasks tasks = Tasks.builder().broker(b.broker()).build()) {
            Path schedule = Files.writeString(dir.resolve("beat.properties"), "beat.schedule.hourly.interval=1h\n"
                    + "beat.schedule.hourly.task=observe.echo\nbeat.schedule.hourly.args=[\"tick\"]\n"
                    + "beat.schedule.hourly.queue=hq\n");
            int workerPort = freePort();
            int beatPort = freePort();
            Process worker = start("worker", "worker", "--config", b.config().toString(), "-Q", "hq", "-c", "1",
                    "--prefetch", "0", "--grace", "60s", "--metrics-port", Integer.toString(workerPort),
                    "--app", ObserveTasks.Provider.class.getName());
            Process beat = start("beat", "beat", "--config", b.config().toString(), "--schedule-file",
                    schedule.toString(), "--metrics-port", Integer.toString(beatPort), "--lock-name", "health-" + kind);

            awaitStatus(workerPort, "/health/ready", 200, "\"worker\":\"RUNNING\"", "worker");
            awaitStatus(beatPort, "/health/ready", 200, "\"role\":\"leader\"", "beat");
            assertThat(HealthEndpointsTest.get(beatPort, "/metrics").status()).isEqualTo(200);

            b.proxy().cut();
            awaitStatus(workerPort, "/health/ready", 503, "\"reason\":\"the broker", "worker");
            awaitStatus(beatPort, "/health/ready", 503, "\"reason\":\"the broker", "beat");
            awaitStatus(workerPort, "/health/live", 200, "\"worker\":\"RUNNING\"", "worker");
            awaitStatus(beatPort, "/health/live", 200, "\"beat\":\"RUNNING\"", "beat");

            b.proxy().restore();
            awaitStatus(workerPort, "/health/ready", 200, "\"status\":\"UP\"", "worker");
            awaitStatus(beatPort, "/health/ready", 200, "\"status\":\"UP\"", "beat");

            Path release = dir.resolve("release");
            TaskHandle held = tasks.delay(ObserveTasks.class, t -> t.hold(release.toString()),
                    EnqueueOptions.defaults().queue("hq"));
            await().atMost(PATIENCE).until(() -> held.state() == TaskState.STARTED);
            worker.destroy(); // SIGTERM: warm shutdown, waiting up to 60 s for the held task
            awaitStatus(workerPort, "/health/live", 503, "\"reason\":\"the worker is shutting down\"", "worker");
            Files.writeString(release, "");
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exited; log:%n%s", log("worker")).isTrue();
            assertThat(worker.exitValue()).as(log("worker")).isZero();
            assertThat(held.await(Duration.ofSeconds(30)).state()).isEqualTo(TaskState.SUCCESS);
            beat.destroy();
            assertThat(beat.waitFor(60, TimeUnit.SECONDS)).as("beat exited; log:%n%s", log("beat")).isTrue();
            assertThat(beat.exitValue()).as(log("beat")).isZero();
        }
    }
}
