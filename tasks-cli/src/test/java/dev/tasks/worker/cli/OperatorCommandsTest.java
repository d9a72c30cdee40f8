package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.spi.WorkerInfo;
import dev.tasks.worker.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tasks workers} and {@code tasks show} against real brokers (Redis, PostgreSQL, an H2 file): the commands
 * read the broker from a {@code tasks.properties} given with {@code --config}, while a worker runs in this JVM on
 * the same storage.
 */
class OperatorCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        CliRun r = CliRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    private static Worker worker(TestBackends.Backend b, String id, String queue) {
        TaskRegistry registry = TaskRegistry.builder().register(ObserveTasks.class, new ObserveTasks.Impl()).build();
        return Worker.builder().broker(b.broker()).registry(registry).queues(queue, "other-" + queue).concurrency(3)
                .workerId(id).fetchWait(Duration.ofMillis(100)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestBackends.REDIS, TestBackends.POSTGRES, TestBackends.H2})
    void workers_lists_live_workers_and_marks_stale_ones(String kind) throws Exception {
        try (TestBackends.Backend b = TestBackends.open(kind, dir); Worker w = worker(b, "w-live-" + kind, "wq")) {
            w.start();
            Instant long_ago = Instant.now().minus(Duration.ofHours(2));
            b.broker().workers().orElseThrow().record(new WorkerInfo("w-dead-" + kind, "gone-host", 4242,
                    List.of("wq"), 2, 1, "0.0.9", long_ago, long_ago, long_ago.plusSeconds(90)));
            String config = b.config().toString();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(run("workers", "--config", config)).as(err).isZero();
                assertThat(out).contains("w-live-" + kind);
            });
            List<String> lines = out.lines().toList();
            assertThat(lines.get(0)).matches("WORKER\\s+HOST\\s+PID\\s+QUEUES\\s+CONCURRENCY\\s+RUNNING\\s+VERSION\\s+"
                    + "STARTED\\s+LAST HEARTBEAT\\s+STATUS");
            assertThat(lines).hasSize(4);
            assertThat(lines.get(1)).startsWith("w-dead-" + kind).contains("gone-host").contains("4242")
                    .contains("0.0.9").containsPattern("2h0m ago\\s+STALE$");
            long pid = ProcessHandle.current().pid();
            assertThat(lines.get(2)).startsWith("w-live-" + kind).contains(" " + pid + " ").contains("wq,other-wq")
                    .containsPattern("\\s3\\s+0\\s").endsWith("live");
            assertThat(lines.get(3)).isEqualTo("1 live, 1 stale");

            assertThat(run("workers", "--config", config, "--json")).as(err).isZero();
            JsonNode array = JSON.readTree(out);
            assertThat(array).hasSize(2);
            assertThat(array.get(0).get("id").asText()).isEqualTo("w-dead-" + kind);
            assertThat(array.get(0).get("stale").asBoolean()).isTrue();
            assertThat(array.get(0).get("heartbeat").asText()).isEqualTo(long_ago.truncatedTo(
                    java.time.temporal.ChronoUnit.MILLIS).toString());
            JsonNode live = array.get(1);
            assertThat(live.get("id").asText()).isEqualTo("w-live-" + kind);
            assertThat(live.get("pid").asLong()).isEqualTo(pid);
            assertThat(live.get("queues").toString()).isEqualTo("[\"wq\",\"other-wq\"]");
            assertThat(live.get("concurrency").asInt()).isEqualTo(3);
            assertThat(live.get("stale").asBoolean()).isFalse();
            assertThat(Instant.parse(live.get("started").asText())).isBefore(Instant.now().plusSeconds(1));

            assertThat(run("workers", "--config", config, "--live", "--json")).as(err).isZero();
            assertThat(JSON.readTree(out)).hasSize(1);

            w.stop(Duration.ofSeconds(5));
            assertThat(run("workers", "--config", config, "--live")).isZero();
            assertThat(out).as("a worker that stopped cleanly removes its record").contains("no workers recorded");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestBackends.REDIS, TestBackends.POSTGRES, TestBackends.H2})
    void show_prints_state_result_error_and_dead_letter_of_a_task(String kind) throws Exception {
        try (TestBackends.Backend b = TestBackends.open(kind, dir); Worker w = worker(b, "w-show-" + kind, "sq");
                Tasks tasks = Tasks.builder().broker(b.broker()).build()) {
            w.start();
            TaskHandle ok = tasks.delay(ObserveTasks.class, t -> t.echo("hello"),
                    dev.tasks.EnqueueOptions.defaults().queue("sq"));
            TaskHandle bad = tasks.delay(ObserveTasks.class, t -> t.fail("card declined"),
                    dev.tasks.EnqueueOptions.defaults().queue("sq"));
            assertThat(ok.await(Duration.ofSeconds(30)).state()).isEqualTo(TaskState.SUCCESS);
            assertThat(bad.await(Duration.ofSeconds(30)).state()).isEqualTo(TaskState.FAILURE);
            String config = b.config().toString();

            assertThat(run("show", ok.id(), "--config", config)).as(err).isZero();
            assertThat(out).containsPattern("(?m)^id:\\s+" + ok.id() + "$").containsPattern("(?m)^name:\\s+observe.echo$")
                    .containsPattern("(?m)^state:\\s+SUCCESS$").containsPattern("(?m)^result:\\s+\"hello\"$")
                    .containsPattern("(?m)^recorded:\\s+20\\d\\d-").containsPattern("(?m)^revoked:\\s+no$")
                    .doesNotContain("error:").doesNotContain("dead letter:");

            await().atMost(Duration.ofSeconds(20)).until(() -> b.broker().stats("sq").dead() == 1);
            assertThat(run("show", bad.id(), "--config", config)).as(err).isZero();
            assertThat(out).containsPattern("(?m)^state:\\s+FAILURE$")
                    .containsPattern("(?m)^error:\\s+java.lang.IllegalStateException: card declined")
                    .containsPattern("(?m)^queue:\\s+sq$").containsPattern("(?m)^runs:\\s+1$")
                    .containsPattern("(?m)^created:\\s+20\\d\\d-").containsPattern("(?m)^dead letter:\\s+\\S+ \\(deliveries 1, at ")
                    .containsPattern("(?m)^reason:\\s+.*card declined");

            assertThat(run("show", bad.id(), "--config", config, "--json")).as(err).isZero();
            JsonNode n = JSON.readTree(out);
            assertThat(n.get("state").asText()).isEqualTo("FAILURE");
            assertThat(n.get("name").asText()).isEqualTo("observe.fail");
            assertThat(n.get("error").asText()).contains("card declined");
            assertThat(n.get("revoked").asBoolean()).isFalse();
            assertThat(n.get("deadLetter").get("queue").asText()).isEqualTo("sq");
            assertThat(n.get("deadLetter").get("runs").asInt()).isEqualTo(1);
            assertThat(run("show", ok.id(), "--config", config, "--json")).as(err).isZero();
            assertThat(JSON.readTree(out).get("result").asText()).isEqualTo("hello");
            assertThat(JSON.readTree(out).get("deadLetter").isNull()).isTrue();

            assertThat(run("show", "no-such-task", "--config", config)).isEqualTo(ExitCodes.RUNTIME_ERROR);
            assertThat(out).isEmpty();
            assertThat(err.strip().lines()).hasSize(1);
            assertThat(err).startsWith("tasks show: no record of task 'no-such-task' on ");
        }
    }
}
