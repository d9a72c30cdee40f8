package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master dies ({@code kill -9}) while a producer in this JVM enqueues to every queue and a worker in this
 * JVM consumes them, a backlog already waiting: both were connected before the kill and are never
 * restarted. Measures when the replica is promoted, when each producer's calls go through again and when
 * each queue runs tasks again, and checks that no accepted task is lost, duplicates stay within what the
 * worker held, and the queues of healthy nodes are drained before any lease taken before the kill could run
 * out ({@value #LEASE_SECONDS} s): nothing read from them waits for its lease. (A fetch whose reply the dying
 * master never sent leased its messages all the same: those run when that lease runs out.)
 */
final class FailoverScenario {
    private static final Logger log = LoggerFactory.getLogger(FailoverScenario.class);
    static final int CONCURRENCY = 4;
    static final int PREFETCH = 8;
    /** Most seconds from the promotion until every producer and every queue is running again. */
    static final long RECOVERY_LIMIT_MILLIS = 10_000;
    static final int LEASE_SECONDS = 15;

    /** What was measured (milliseconds from the promotion; negative: before it). */
    record Result(long killToPromotionMillis, Map<String, Long> producerRecoveryMillis,
            Map<String, Long> queueRecoveryMillis, Map<String, Long> longestStallMillis, int accepted,
            int failedEnqueues, long duplicates) {}

    private FailoverScenario() {}

    /**
     * Runs the scenario: {@code kill} kills a master, {@code promoted}
     * says whether its replica is master now.
     */
    static Result run(String name, String url, String runLogUrl, List<String> queues, Set<String> healthy,
            int backlogPerQueue, Runnable kill, BooleanSupplier promoted) throws Exception {
        Map<String, ConcurrentLinkedQueue<Long>> runTimes = new ConcurrentHashMap<>();
        queues.forEach(q -> runTimes.put(q, new ConcurrentLinkedQueue<>()));
        try (RunLog store = RunLog.open(runLogUrl);
                RedisBroker workerBroker = broker(url);
                RedisBroker producerBroker = broker(url);
                Tasks tasks = Tasks.builder().broker(producerBroker).declare(RelTasks.class).build()) {
            RunLog runs = new TimedRunLog(store, runTimes);
            List<String> backlog = new ArrayList<>();
            for (String q : queues) {
                for (int i = 0; i < backlogPerQueue; i++) {
                    String key = q + "|b" + i;
                    tasks.send(dev.tasks.Signature.of("rel.record", key, 0L).queue(q));
                    backlog.add(key);
                }
            }
            Worker worker = Worker.builder().broker(workerBroker)
                    .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> runs)).build())
                    .queues(queues).concurrency(CONCURRENCY).prefetch(PREFETCH).lease(Duration.ofSeconds(LEASE_SECONDS))
                    .heartbeatInterval(Duration.ofSeconds(1)).fetchWait(Duration.ofMillis(200)).build();
            Map<String, Producer> producers = new LinkedHashMap<>();
            worker.start();
            try {
                for (String q : queues) {
                    producers.put(q, new Producer(tasks, q, q + "|p", 5));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> runs.distinct() >= backlog.size() / 3);
                kill.run();
                long killedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(promoted::getAsBoolean);
                long promotedAt = System.nanoTime();
                // Every producer's calls go through again, and every queue runs tasks again.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<String> behind = new ArrayList<>();
                    producers.forEach((q, p) -> {
                        if (p.lastAcceptedNanos() - promotedAt <= 0) {
                            behind.add("producer of " + q + " (last failure: " + last(p.failures()) + ")");
                        }
                    });
                    queues.stream().filter(q -> lastRun(runTimes.get(q)) - promotedAt <= 0)
                            .forEach(q -> behind.add("queue " + q));
                    assertThat(behind).as("not going through again since the promotion").isEmpty();
                });
                await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofSeconds(1)).until(() -> true);
                for (Producer p : producers.values()) {
                    p.close();
                }
                long stoppedAt = System.nanoTime();
                long leasesRunOut = killedAt + TimeUnit.SECONDS.toNanos(LEASE_SECONDS);
                for (String q : healthy) {
                    assertThat(System.nanoTime() - leasesRunOut).as("the test is too slow to tell").isNegative();
                    await().atMost(Duration.ofNanos(leasesRunOut - System.nanoTime())).untilAsserted(() -> {
                        QueueStats s = workerBroker.stats(q);
                        assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s: %s", q, s).isZero();
                    });
                }
                Set<String> accepted = new HashSet<>(backlog);
                int failed = 0;
                for (Producer p : producers.values()) {
                    accepted.addAll(p.accepted());
                    failed += p.failures().size();
                }
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    Map<String, Long> r = runs.runs();
                    assertThat(accepted.stream().filter(k -> !r.containsKey(k)).limit(10).toList())
                            .as("accepted tasks not run yet").isEmpty();
                });
                for (String q : queues) {
                    await().atMost(Duration.ofSeconds(30 + LEASE_SECONDS)).untilAsserted(() -> {
                        QueueStats s = workerBroker.stats(q);
                        assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s: %s", q, s).isZero();
                    });
                }
                Map<String, Long> end = runs.runs();
                long duplicates = end.values().stream().mapToLong(c -> c - 1).sum();
                Map<String, Long> producerRecovery = new LinkedHashMap<>();
                producers.forEach((q, p) -> producerRecovery.put(q, p.failures().isEmpty() ? 0
                        : TimeUnit.NANOSECONDS.toMillis(p.recoveredNanos() - promotedAt)));
                Map<String, Long> queueRecovery = new LinkedHashMap<>();
                Map<String, Long> stalls = new LinkedHashMap<>();
                for (String q : queues) {
                    queueRecovery.put(q, TimeUnit.NANOSECONDS.toMillis(firstRunAfter(runTimes.get(q), promotedAt)
                            - promotedAt));
                    stalls.put(q, TimeUnit.NANOSECONDS.toMillis(longestGap(runTimes.get(q), killedAt, stoppedAt)));
                }
                Result result = new Result(TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAt), producerRecovery,
                        queueRecovery, stalls, accepted.size(), failed, duplicates);
                log.info("{}: kill -9 -> promotion {} ms; promotion -> producer ok {} ms; promotion -> queue running"
                        + " {} ms; longest stall of each queue from the kill {} ms; {} tasks accepted ({} backlog),"
                        + " {} enqueue(s) failed, {} duplicate run(s)", name, result.killToPromotionMillis(),
                        producerRecovery, queueRecovery, stalls, accepted.size(), backlog.size(), failed, duplicates);

                for (Producer p : producers.values()) {
                    for (RuntimeException e : p.failures()) {
                        assertThat(e).isInstanceOf(BrokerException.class);
                        assertThat(e.getMessage()).contains("Redis").containsAnyOf("did not take effect",
                                "whether it took effect is unknown", "failed on");
                    }
                }
                producers.forEach((q, p) -> assertThat(p.failures().isEmpty() || p.recoveredNanos() != 0)
                        .as("producer of %s goes through again", q).isTrue());
                assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
                assertThat(end.keySet()).containsAll(accepted);
                assertThat(duplicates).as("duplicates stay within what the worker held")
                        .isLessThanOrEqualTo(CONCURRENCY + PREFETCH);
                producerRecovery.forEach((q, ms) -> assertThat(ms).as("promotion -> producer of %s ok", q)
                        .isLessThan(RECOVERY_LIMIT_MILLIS));
                queueRecovery.forEach((q, ms) -> assertThat(ms).as("promotion -> queue %s running", q)
                        .isLessThan(RECOVERY_LIMIT_MILLIS));
                return result;
            } finally {
                for (Producer p : producers.values()) {
                    p.close();
                }
                worker.stop(Duration.ofSeconds(5));
            }
        }
    }

    private static RedisBroker broker(String url) {
        return RedisBroker.builder().url(url).timeout(Duration.ofMillis(1000)).build();
    }

    private static String last(List<RuntimeException> failures) {
        return failures.isEmpty() ? "none" : String.valueOf(failures.get(failures.size() - 1));
    }

    private static long lastRun(ConcurrentLinkedQueue<Long> times) {
        long last = Long.MIN_VALUE;
        for (long t : times) {
            last = t;
        }
        return last;
    }

    private static long firstRunAfter(ConcurrentLinkedQueue<Long> times, long nanos) {
        for (long t : times) {
            if (t - nanos > 0) {
                return t;
            }
        }
        throw new AssertionError("no run after the promotion");
    }

    /** The longest time without a run between {@code from} and {@code to}. */
    private static long longestGap(ConcurrentLinkedQueue<Long> times, long from, long to) {
        long previous = from;
        long longest = 0;
        for (long t : times) {
            if (t - from < 0) {
                continue;
            }
            if (t - to > 0) {
                break;
            }
            if (t - previous > longest) {
                longest = t - previous;
                log.debug("stall of {} ms from {} ms after the kill", TimeUnit.NANOSECONDS.toMillis(longest),
                        TimeUnit.NANOSECONDS.toMillis(previous - from));
            }
            previous = t;
        }
        return Math.max(longest, to - previous);
    }

    /** A run log that also notes, per queue (the key's prefix up to '|'), when each run happened. */
    private record TimedRunLog(RunLog delegate, Map<String, ConcurrentLinkedQueue<Long>> times) implements RunLog {
        @Override
        public void record(String key) {
            delegate.record(key);
            ConcurrentLinkedQueue<Long> q = times.get(key.substring(0, key.indexOf('|')));
            if (q != null) {
                q.add(System.nanoTime());
            }
        }

        @Override
        public Map<String, Long> runs() {
            return delegate.runs();
        }

        @Override
        public long distinct() {
            return delegate.distinct();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
