package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The promise of docs/reliability.md for {@code @Task(acksLate = false)}: acknowledged before it runs, a
 * task is never run twice by redelivery; a crash during its run loses it. A worker running such tasks is
 * killed with {@code kill -9}; a replacement drains the queue. No task may run twice, and the lost ones are
 * at most those that were running (the worker's concurrency); what was prefetched but not started is not
 * lost.
 */
class AtMostOnceCrashTest {
    private static final Logger log = LoggerFactory.getLogger(AtMostOnceCrashTest.class);

    private static final int TASKS = 120;
    private static final int CONCURRENCY = 4;
    private static final String[] FLAGS = {"-c", Integer.toString(CONCURRENCY), "--prefetch", "8", "--lease", "3s",
        "--grace", "5s"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "postgresql"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void a_task_acknowledged_early_never_runs_twice_and_a_crash_loses_at_most_the_running_ones(String kind,
            @TempDir Path dir) throws Exception {
        String queue = "early-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestBroker target = TestBroker.of(kind, dir);
                Broker broker = target.open();
                RunLog runs = RunLog.open(target.runLogUrl("runs-" + queue));
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<Signature> batch = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                batch.add(Signature.of("rel.early", "e" + i, 100L).queue(queue));
            }
            tasks.sendAll(batch);
            String firstLog;
            try (WorkerProcess first = target.worker(dir, queue, "first", "runs-" + queue, FLAGS)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> runs.distinct() >= TASKS / 4 || !first.isAlive());
                assertThat(first.isAlive()).as("the first worker runs; log:%n%s", first.log()).isTrue();
                first.kill();
                firstLog = first.log();
            }
            long doneAtKill = runs.distinct();
            try (WorkerProcess second = target.worker(dir, queue, "second", "runs-" + queue, FLAGS)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                    assertThat(second.isAlive()).as("the second worker runs; log:%n%s", second.log()).isTrue();
                    QueueStats s = broker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                // Acknowledged early, the last tasks leave the broker before they end: a warm stop lets them finish.
                second.terminate();
                assertThat(second.waitFor(30)).as("warm stop; log:%n%s", second.log()).isZero();
                Map<String, Long> end = runs.runs();
                long lost = TASKS - end.size();
                log.info("acksLate=false on {}: worker killed after {} of {} tasks; {} ran, {} lost (concurrency {}),"
                        + " {} ran twice", kind, doneAtKill, TASKS, end.size(), lost, CONCURRENCY,
                        end.values().stream().filter(n -> n > 1).count());
                assertThat(end.values()).as("no task ran twice").allMatch(n -> n == 1);
                assertThat(lost).as("lost: at most the tasks that were running at the kill; missing %s; logs:%n%s%n%s",
                        missing(end), firstLog, second.log()).isBetween(0L,
                        (long) CONCURRENCY);
            }
        }
    }

    private static List<String> missing(Map<String, Long> runs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            if (!runs.containsKey("e" + i)) {
                out.add("e" + i);
            }
        }
        return out;
    }
}
