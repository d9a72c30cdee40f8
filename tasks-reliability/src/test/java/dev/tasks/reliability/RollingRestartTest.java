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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The promise of docs/deploying.md: a rolling deploy loses nothing and repeats at most the tasks still
 * running when the grace period ran out. Three worker processes serve a queue that a producer keeps
 * feeding; each worker in turn gets SIGTERM (warm shutdown), must exit 0, and is replaced by a new
 * process, while tasks keep arriving. Every task must run, and none twice (each finishes well within the
 * grace period, so a warm shutdown has nothing to give back but what it had not started).
 */
class RollingRestartTest {
    private static final Logger log = LoggerFactory.getLogger(RollingRestartTest.class);

    private static final int WORKERS = 3;
    private static final int TASKS = 1_500;
    /** Published per tick of the producer (every 10 ms: 200 tasks a second, for about 7.5 s). */
    private static final int PER_TICK = 2;
    private static final long TASK_MILLIS = 15;

    private static final String[] FLAGS = {"-c", "4", "--prefetch", "8", "--lease", "5s", "--grace", "20s"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "postgresql"})
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void a_rolling_restart_under_load_loses_nothing_and_runs_nothing_twice(String kind, @TempDir Path dir)
            throws Exception {
        String queue = "roll-" + UUID.randomUUID().toString().substring(0, 8);
        try (TestBroker target = TestBroker.of(kind, dir);
                Broker broker = target.open();
                RunLog runs = RunLog.open(target.runLogUrl("runs-" + queue));
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<WorkerProcess> workers = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                workers.add(target.worker(dir, queue, "w" + i + "-gen0", "runs-" + queue, FLAGS));
            }
            AtomicInteger published = new AtomicInteger();
            AtomicReference<Throwable> publishFailure = new AtomicReference<>();
            ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "rolling-restart-producer");
                t.setDaemon(true);
                return t;
            });
            List<Integer> exitCodes = new ArrayList<>();
            try {
                producer.scheduleAtFixedRate(() -> {
                    try {
                        for (int j = 0; j < PER_TICK && published.get() < TASKS; j++) {
                            tasks.send(Signature.of("rel.record", "k" + published.get(), TASK_MILLIS).queue(queue));
                            published.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        publishFailure.compareAndSet(null, t);
                        throw t;
                    }
                }, 0, 10, TimeUnit.MILLISECONDS);

                // Each worker in turn: warm stop while tasks arrive, then a replacement.
                for (int i = 0; i < WORKERS; i++) {
                    int before = published.get();
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> published.get() >= before + TASKS / (WORKERS + 2) || published.get() >= TASKS);
                    WorkerProcess old = workers.get(i);
                    // As an orchestrator does: the next instance is stopped once the previous one is ready.
                    for (WorkerProcess w : workers) {
                        await().atMost(Duration.ofSeconds(60)).until(() -> w.log().contains("worker started")
                                || !w.isAlive());
                    }
                    assertThat(old.isAlive()).as("worker %d runs; log:%n%s", i, old.log()).isTrue();
                    old.terminate();
                    int code = old.waitFor(60);
                    exitCodes.add(code);
                    assertThat(code).as("warm shutdown of worker %d exits 0; log:%n%s", i, old.log()).isZero();
                    old.close();
                    workers.set(i, target.worker(dir, queue, "w" + i + "-gen1", "runs-" + queue, FLAGS));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> published.get() >= TASKS || publishFailure.get() != null);
                assertThat(publishFailure.get()).as("publishing during the deploy").isNull();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> runs.distinct() >= TASKS);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    QueueStats s = broker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                Map<String, Long> end = runs.runs();
                long duplicates = end.values().stream().mapToLong(n -> n - 1).sum();
                log.info("rolling restart on {}: {} tasks published during 3 warm restarts, {} ran, {} duplicate run(s),"
                        + " exit codes {}", kind, published.get(), end.size(), duplicates, exitCodes);
                assertThat(end).hasSize(TASKS);
                StringBuilder warnings = new StringBuilder();
                for (WorkerProcess w : workers) {
                    warnings.append(w.warnings()).append('\n');
                }
                assertThat(duplicates).as("tasks run twice; warnings of the workers:%n%s", warnings).isZero();
                assertThat(broker.deadLetters(queue, 10)).isEmpty();
            } finally {
                producer.shutdownNow();
                for (WorkerProcess w : workers) {
                    w.close();
                }
            }
        }
    }

}
