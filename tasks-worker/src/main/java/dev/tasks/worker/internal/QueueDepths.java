package dev.tasks.worker.internal;

import dev.tasks.spi.Broker;
import dev.tasks.spi.LeaderLock.LockLease;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.WorkerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Polls the depth of queues for the {@code tasks.queue.depth} gauges, one worker per queue across the fleet:
 * every stats interval a worker takes (or renews) the broker's leader lock {@value #LOCK_PREFIX}{@code <queue>}
 * for each of its queues, and only the holder polls {@link Broker#stats} and exports the gauges; the others
 * remove theirs. So N workers of a queue cost one stats query per interval, not N, and a sum over the fleet
 * counts each queue once. When the holder stops, it releases the lock; when it dies, another worker takes
 * over within {@link #lockTtl} plus one interval. See {@code docs/metrics.md}.
 */
final class QueueDepths {
    private static final Logger log = LogSafe.logger(QueueDepths.class);

    /** The prefix of the leader-lock names. */
    static final String LOCK_PREFIX = "tasks.queue-depth:";

    private final Broker broker;
    private final WorkerMetrics metrics;
    private final WorkerConfig config;
    private final Duration lockTtl;
    private final Map<String, LockLease> held = new ConcurrentHashMap<>();

    QueueDepths(Broker broker, WorkerMetrics metrics, WorkerConfig config) {
        this.broker = broker;
        this.metrics = metrics;
        this.config = config;
        this.lockTtl = lockTtl(config.statsInterval());
    }

    /** The lock's time to live: three stats intervals, at least five seconds. */
    static Duration lockTtl(Duration statsInterval) {
        Duration t = statsInterval.multipliedBy(3);
        return t.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : t;
    }

    /** One round: for each queue, take or renew its lock, then poll and export, or stop exporting. */
    void poll() {
        for (String q : config.queues()) {
            try {
                Optional<LockLease> lease = broker.leaderLock().tryAcquire(LOCK_PREFIX + q, config.workerId(), lockTtl);
                if (lease.isEmpty()) {
                    held.remove(q);
                    metrics.stopDepth(q);
                    continue;
                }
                if (held.put(q, lease.get()) == null) {
                    log.debug("worker {} exports the depth of queue {}", config.workerId(), q);
                }
                metrics.queueStats(broker.stats(q));
                metrics.exportDepth(q);
            } catch (Throwable t) {
                log.debug("could not read stats of queue {}: {}", q, t.toString());
            }
        }
    }

    /** Releases the locks held, so another worker takes over at its next poll. */
    void close() {
        for (LockLease lease : held.values()) {
            try {
                broker.leaderLock().release(lease);
            } catch (RuntimeException e) {
                log.debug("could not release {}: {}", lease.name(), e.toString());
            }
        }
        held.clear();
    }
}
