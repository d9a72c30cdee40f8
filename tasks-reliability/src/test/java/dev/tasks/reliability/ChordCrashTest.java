package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.Workflow;
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
 * The promise of docs/workflows.md: a chord's callback runs exactly once, with every member's result, even
 * when a worker dies between finishing members and counting them. Two worker processes share a chord's
 * members; one is killed with {@code kill -9} while members run, so members it had finished but not
 * acknowledged run again on the other. The callback must run once, with the sum and count of all members.
 */
class ChordCrashTest {
    private static final Logger log = LoggerFactory.getLogger(ChordCrashTest.class);

    private static final int MEMBERS = 240;
    private static final long MEMBER_MILLIS = 40;

    private static final String[] FLAGS = {"-c", "4", "--prefetch", "8", "--lease", "3s", "--grace", "5s"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "postgresql"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void the_callback_runs_once_with_every_result_when_a_worker_dies_mid_chord(String kind, @TempDir Path dir)
            throws Exception {
        String queue = "chord-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestBroker target = TestBroker.of(kind, dir);
                Broker broker = target.open();
                RunLog runs = RunLog.open(target.runLogUrl("runs-" + queue));
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<Signature> members = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                members.add(Signature.of("rel.member", "m" + i, i + 1, MEMBER_MILLIS).queue(queue));
            }
            tasks.apply(Workflow.chord(members, Signature.of("rel.total", "total").queue(queue)));

            try (WorkerProcess victim = target.worker(dir, queue, "victim", "runs-" + queue, FLAGS);
                    WorkerProcess survivor = target.worker(dir, queue, "survivor", "runs-" + queue, FLAGS)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                        .until(() -> runs.distinct() >= MEMBERS / 3 || !victim.isAlive());
                assertThat(victim.isAlive()).as("the first worker runs; log:%n%s", victim.log()).isTrue();
                victim.kill();
                long killedAt = System.nanoTime();
                long doneAtKill = runs.distinct();

                String expected = "total=" + (long) MEMBERS * (MEMBERS + 1) / 2 + "/" + MEMBERS;
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                    assertThat(survivor.isAlive()).as("the survivor runs; log:%n%s", survivor.log()).isTrue();
                    assertThat(runs.runs()).containsKey(expected);
                });
                long callbackAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    QueueStats s = broker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                Map<String, Long> end = runs.runs();
                long memberRuns = end.entrySet().stream().filter(e -> e.getKey().startsWith("m"))
                        .mapToLong(Map.Entry::getValue).sum();
                log.info("chord on {}: worker killed after {} of {} members; {} member runs in all; callback {} ms after"
                        + " the kill: {}", kind, doneAtKill, MEMBERS, memberRuns, callbackAfter,
                        end.entrySet().stream().filter(e -> e.getKey().startsWith("total")).toList());
                assertThat(end.entrySet().stream().filter(e -> e.getKey().startsWith("m")).count()).isEqualTo(MEMBERS);
                assertThat(end.entrySet().stream().filter(e -> e.getKey().startsWith("total")))
                        .as("the callback ran once, with every member's result; survivor's warnings:%n%s",
                                survivor.warnings())
                        .containsExactly(Map.entry(expected, 1L));
                assertThat(broker.deadLetters(queue, 10)).isEmpty();
            }
        }
    }

}
