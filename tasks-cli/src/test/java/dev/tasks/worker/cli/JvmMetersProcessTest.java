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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a {@code worker} and a {@code beat}, each a separate JVM started with
 * {@code --metrics-port} on an H2 file broker: besides the framework's {@code tasks_} series (the worker ran a
 * task, the beat published one) both export the JVM and process series of {@link JvmMeters}.
 */
class JvmMetersProcessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final List<String> JVM_SERIES = List.of("jvm_memory_used_bytes{", "jvm_threads_live_threads ",
            "jvm_classes_loaded_classes ", "process_cpu_usage ", "process_uptime_seconds ", "system_cpu_count ");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
    }

    @Test
    void worker_and_beat_export_jvm_and_process_series_next_to_the_tasks_series() throws Exception {
        try (TestBackends.Backend b = TestBackends.open(TestBackends.H2, dir);
                Tasks tasks = Tasks.builder().broker(b.broker()).build()) {
            Path schedule = Files.writeString(dir.resolve("beat.properties"), "beat.schedule.tick.interval=1s\n"
                    + "beat.schedule.tick.task=observe.echo\nbeat.schedule.tick.args=[\"tick\"]\n"
                    + "beat.schedule.tick.queue=jq\n");
            int workerPort = freePort();
            int beatPort = freePort();
            start("worker", "worker", "--config", b.config().toString(), "-Q", "jq", "-c", "1", "--metrics-port",
                    Integer.toString(workerPort), "--app", ObserveTasks.Provider.class.getName());
            start("beat", "beat", "--config", b.config().toString(), "--schedule-file", schedule.toString(),
                    "--metrics-port", Integer.toString(beatPort), "--lock-name", "jvm-meters");

            TaskHandle echo = tasks.delay(ObserveTasks.class, t -> t.echo("hi"), EnqueueOptions.defaults().queue("jq"));
            assertThat(echo.await(PATIENCE).state()).isEqualTo(TaskState.SUCCESS);

            String worker = awaitScrape(workerPort, "worker", "tasks_succeeded_total{");
            String beat = awaitScrape(beatPort, "beat", "tasks_published_total{");
            for (String series : JVM_SERIES) {
                assertThat(worker).as("worker /metrics").contains(series);
                assertThat(beat).as("beat /metrics").contains(series);
            }
            assertThat(worker).contains("tasks_run_seconds_bucket{");
        }
    }

    private String awaitScrape(int port, String process, String tasksSeries) {
        String[] body = {""};
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(processes.stream().allMatch(Process::isAlive)).as("processes alive; log:%n%s", log(process))
                    .isTrue();
            HealthEndpointsTest.Answer a;
            try {
                a = HealthEndpointsTest.get(port, "/metrics");
            } catch (IOException notYetListening) {
                throw new AssertionError(process + " not listening yet", notYetListening);
            }
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).as("%s /metrics", process).contains(tasksSeries);
            body[0] = a.body();
        });
        return body[0];
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private void start(String name, String... args) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", classpath, TasksCli.class.getName()));
        cmd.addAll(List.of(args));
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private String log(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    }
}
