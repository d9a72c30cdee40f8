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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The promise of the README and docs/reliability.md: a task that runs longer than its lease keeps the lease
 * by heartbeat, so it is never run twice while its worker lives. Two worker processes with a 2-second
 * lease run tasks of 5 seconds each while the machine is made busy (spinning threads on every core); each
 * task must run exactly once and no worker may report a lost lease.
 */
class LongTaskLeaseTest {
    private static final Logger log = LoggerFactory.getLogger(LongTaskLeaseTest.class);

    private static final int TASKS = 8;
    private static final long TASK_MILLIS = 5_000;

    private static final String[] FLAGS = {"-c", "4", "--prefetch", "0", "--lease", "2s", "--grace", "10s"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "postgresql"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void tasks_longer_than_their_lease_run_once_on_a_busy_machine(String kind, @TempDir Path dir) throws Exception {
        String queue = "long-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        try (TestBroker target = TestBroker.of(kind, dir);
                Broker broker = target.open();
                RunLog runs = RunLog.open(target.runLogUrl("runs-" + queue));
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build();
                WorkerProcess a = target.worker(dir, queue, "a", "runs-" + queue, FLAGS);
                WorkerProcess b = target.worker(dir, queue, "b", "runs-" + queue, FLAGS)) {
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                Thread t = new Thread(() -> {
                    long x = 0;
                    while (busy.get()) {
                        x += System.nanoTime() % 7;
                    }
                    if (x == 42) {
                        log.trace("unlikely");
                    }
                }, "busy-machine-" + i);
                t.setDaemon(true);
                t.start();
                spinners.add(t);
            }
            List<Signature> batch = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                batch.add(Signature.of("rel.record", "long" + i, TASK_MILLIS).queue(queue));
            }
            tasks.sendAll(batch);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                assertThat(a.isAlive() && b.isAlive()).as("both workers run; logs:%n%s%n%s", a.log(), b.log()).isTrue();
                assertThat(runs.distinct()).isEqualTo(TASKS);
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                QueueStats s = broker.stats(queue);
                assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
            });
            busy.set(false);
            Map<String, Long> end = runs.runs();
            log.info("long tasks on {}: {} tasks of {} ms with a 2 s lease on a busy machine: runs {}", kind, TASKS,
                    TASK_MILLIS, end);
            assertThat(end.values()).as("each long task ran once; warnings:%n%s%n%s", a.warnings(), b.warnings())
                    .hasSize(TASKS).allMatch(n -> n == 1);
            assertThat(a.log() + b.log()).doesNotContain("lease lost");
        } finally {
            busy.set(false);
            for (Thread t : spinners) {
                t.join(5_000);
            }
        }
    }

}
