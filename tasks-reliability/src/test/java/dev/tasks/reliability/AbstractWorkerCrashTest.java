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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process killed with {@code kill -9} in the middle of a run of N tasks, then replaced: every
 * task still completes, duplicates stay within what the dead worker held (its places, concurrency +
 * prefetch, and the finished tasks whose acknowledgement it had not yet had confirmed, at most as many), and
 * what it held comes back within the lease (visibility timeout) plus one heartbeat. Each task records its
 * key in a durable run log with a count of runs, so lost and duplicated runs are both visible.
 *
 * <p>N is 3,000 by default and 20,000 with {@code -Dtasks.soak=true}. Subclasses bind it to a broker.
 */
abstract class AbstractWorkerCrashTest {
    private static final Logger log = LoggerFactory.getLogger(AbstractWorkerCrashTest.class);

    static final int CONCURRENCY = 8;
    static final int PREFETCH = 16;
    static final Duration LEASE = Duration.ofSeconds(3);
    /** What the CLI derives from --lease: a third of it. */
    static final Duration HEARTBEAT = LEASE.dividedBy(3);
    static final long TASK_MILLIS = 2;
    /**
     * The most tasks a worker holds leased: its places (concurrency + prefetch), plus finished tasks whose
     * place is free again but whose ack is still on its way (the acker takes at most as many).
     */
    static final int MAX_HELD = 2 * (CONCURRENCY + PREFETCH);

    /** The command-line arguments with which a worker process reaches the broker (no password in them). */
    protected abstract List<String> brokerArgs(Path dir) throws Exception;

    /** A broker for this JVM (the producer side and the checks). */
    protected abstract Broker openBroker();

    /** A {@link RunLog#open} URL, reachable from other processes, fresh for this test. */
    protected abstract String runLogUrl(String name);

    /**
     * The run-log keys of the tasks leased to a worker at this moment, with the latest lease deadline
     * among them (epoch millis).
     */
    protected abstract Leased leasedNow(Broker broker, String queue);

    record Leased(Set<String> keys, long latestDeadlineMillis) {}

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void every_task_completes_after_a_worker_is_killed_with_sigkill_and_duplicates_stay_within_its_in_flight_set(
            @TempDir Path dir) throws Exception {
        int n = Env.soak() ? 20_000 : 3_000;
        String queue = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        String runLogUrl = runLogUrl("runs-" + queue);
        try (Broker broker = openBroker(); RunLog runs = RunLog.open(runLogUrl);
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<Signature> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(Signature.of("rel.record", "k" + i, TASK_MILLIS).queue(queue));
                if (batch.size() == 1000) {
                    tasks.sendAll(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                tasks.sendAll(batch);
            }
            assertThat(broker.stats(queue).ready()).isEqualTo(n);

            WorkerProcess first = worker(dir, "first", queue, runLogUrl);
            Leased held;
            Map<String, Long> runsAtKill;
            long killedAtMillis;
            long killedAtNanos;
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> runs.distinct() >= n / 3 || !first.isAlive());
                assertThat(first.isAlive()).as("first worker runs; log:%n%s", first.log()).isTrue();
                first.kill();
                killedAtNanos = System.nanoTime();
                killedAtMillis = System.currentTimeMillis();
                held = leasedNow(broker, queue);
                runsAtKill = runs.runs();
            } finally {
                first.close();
            }
            long doneAtKill = runsAtKill.size();
            log.info("{}: killed the first worker after {} of {} tasks; it held {} leased task(s), latest deadline in {} ms",
                    getClass().getSimpleName(), doneAtKill, n, held.keys().size(), held.latestDeadlineMillis() - killedAtMillis);
            assertThat(doneAtKill).as("the kill came in the middle of the run").isLessThan(n);
            assertThat(held.keys()).as("the dead worker held tasks").isNotEmpty().hasSizeLessThanOrEqualTo(MAX_HELD);
            assertThat(held.latestDeadlineMillis()).as("leases run out within the lease after the kill")
                    .isLessThanOrEqualTo(killedAtMillis + LEASE.toMillis() + 50);

            WorkerProcess second = worker(dir, "second", queue, runLogUrl);
            try {
                long[] firstRunBySecond = {0};
                long[] heldRedone = {0};
                await().atMost(Duration.ofSeconds(Env.soak() ? 300 : 90)).pollInterval(Duration.ofMillis(25)).until(() -> {
                    Map<String, Long> now = runs.runs();
                    long t = System.nanoTime();
                    if (firstRunBySecond[0] == 0 && sum(now) > sum(runsAtKill)) {
                        firstRunBySecond[0] = t;
                    }
                    if (heldRedone[0] == 0 && held.keys().stream()
                            .allMatch(k -> now.getOrDefault(k, 0L) > runsAtKill.getOrDefault(k, 0L))) {
                        heldRedone[0] = t;
                    }
                    assertThat(second.isAlive()).as("second worker runs; log:%n%s", second.log()).isTrue();
                    return now.size() == n && heldRedone[0] != 0;
                });
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    QueueStats s = broker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                Map<String, Long> end = runs.runs();
                long total = sum(end);
                Map<String, Long> duplicated = new HashMap<>();
                end.forEach((k, c) -> {
                    if (c > 1) {
                        duplicated.put(k, c);
                    }
                });
                long secondReady = TimeUnit.NANOSECONDS.toMillis(firstRunBySecond[0] - second.startedNanos());
                long redelivered = TimeUnit.NANOSECONDS.toMillis(heldRedone[0] - killedAtNanos);
                log.info("{}: crash run: {} tasks, {} runs, {} duplicate run(s) {}, {} held at the kill, held tasks all run "
                        + "again {} ms after the kill (lease {} ms, heartbeat {} ms, second worker's first run {} ms"
                        + " after its launch)", getClass().getSimpleName(), n, total, total - n, duplicated, held.keys().size(), redelivered,
                        LEASE.toMillis(), HEARTBEAT.toMillis(), secondReady);
                assertThat(end).hasSize(n);
                assertThat(duplicated.keySet()).as("only tasks held by the dead worker ran twice; the second worker's"
                        + " warnings:%n%s", second.warnings()).isSubsetOf(held.keys());
                assertThat(duplicated.values()).allMatch(c -> c == 2);
                assertThat(total - n).as("duplicate runs; the second worker's warnings:%n%s", second.warnings())
                        .isLessThanOrEqualTo(held.keys().size());
                assertThat(broker.deadLetters(queue, 10)).isEmpty();
                long launchDelay = TimeUnit.NANOSECONDS.toMillis(second.startedNanos() - killedAtNanos);
                assertThat(redelivered).as("held tasks run again within lease + heartbeat of the kill, or as soon as"
                        + " the replacement runs").isLessThanOrEqualTo(
                        Math.max(LEASE.plus(HEARTBEAT).toMillis(), launchDelay + secondReady) + 2000);
                second.terminate();
                assertThat(second.waitFor(30)).as(second.log()).isZero();
            } finally {
                second.close();
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void a_redelivery_takes_over_the_idempotency_key_of_its_killed_run_at_once_and_side_effects_stay_once(
            @TempDir Path dir) throws Exception {
        KeyHolderCrash.run(new KeyHolderCrash.Target() {
            @Override
            public List<String> brokerArgs(Path d) throws Exception {
                return AbstractWorkerCrashTest.this.brokerArgs(d);
            }

            @Override
            public Broker openBroker() {
                return AbstractWorkerCrashTest.this.openBroker();
            }

            @Override
            public String runLogUrl(String name) {
                return AbstractWorkerCrashTest.this.runLogUrl(name);
            }
        }, getClass().getSimpleName(), dir, LEASE);
    }

    private WorkerProcess worker(Path dir, String name, String queue, String runLogUrl) throws Exception {
        List<String> args = new ArrayList<>(brokerArgs(dir));
        args.addAll(List.of("-c", Integer.toString(CONCURRENCY), "--prefetch", Integer.toString(PREFETCH), "--lease",
                LEASE.toSeconds() + "s", "--grace", "5s", "--worker-id", name));
        return WorkerProcess.builder(dir.resolve(name + ".log"))
                .systemProperty("rel.runlog", runLogUrl)
                .worker(queue, args.toArray(String[]::new))
                .start();
    }

    private static long sum(Map<String, Long> runs) {
        long s = 0;
        for (long v : runs.values()) {
            s += v;
        }
        return s;
    }
}
