package dev.tasks.redis;

import dev.tasks.spi.support.LogSafe;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The queues whose Cluster node failed during a fetch while other nodes answered. Such a queue is passed
 * over by fetches until its next attempt is due (100 ms after the first failure, doubling up to 500 ms), so
 * the other queues keep running at full speed and the failed node is not hammered; the slot map is renewed
 * at each failure (see {@link ConnectionGuard}), so once a replica is promoted the next attempt reaches
 * it. One line is logged when a queue's node fails and one when the queue answers again. Thread-safe.
 */
final class QueueOutages {
    private static final Logger log = LogSafe.logger(RedisBroker.class);
    static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final String where;
    private final Map<String, Outage> outages = new ConcurrentHashMap<>();

    QueueOutages(String where) {
        this.where = where;
    }

    /** One queue's outage: {@link System#nanoTime()} based. */
    private record Outage(long sinceNanos, int failures, long retryAtNanos) {}

    /** Whether a fetch passes over {@code queue} now (its node failed and the next attempt is not yet due). */
    boolean waiting(String queue, long nanos) {
        Outage o = outages.get(queue);
        return o != null && nanos - o.retryAtNanos() < 0;
    }

    /** Whether any queue's node is failing. */
    boolean any() {
        return !outages.isEmpty();
    }

    /** {@link System#nanoTime()} of the next attempt due on a failed queue; {@code fallback} when none. */
    long nextAttemptNanos(long fallback) {
        long next = fallback;
        for (Outage o : outages.values()) {
            if (o.retryAtNanos() - next < 0) {
                next = o.retryAtNanos();
            }
        }
        return next;
    }

    /** The node serving {@code queue} failed ({@code cause} says how). */
    void failed(String queue, Exception cause) {
        long now = System.nanoTime();
        Outage o = outages.compute(queue, (q, old) -> {
            int failures = old == null ? 1 : old.failures() + 1;
            long wait = Math.min(MAX_RETRY_NANOS, MIN_RETRY_NANOS << Math.min(failures - 1, 20));
            return new Outage(old == null ? now : old.sinceNanos(), failures, now + wait);
        });
        if (o.failures() == 1) {
            log.warn("Redis node serving queue {} of {} failed ({}); the other queues go on, this one is tried again"
                    + " every {} ms at most while the cluster promotes a replica", queue, where, cause.toString(),
                    TimeUnit.NANOSECONDS.toMillis(MAX_RETRY_NANOS));
        }
    }

    /** {@code queue} answered: its outage, if any, is over. */
    void answered(String queue) {
        if (outages.isEmpty()) {
            return;
        }
        Outage o = outages.remove(queue);
        if (o != null) {
            log.info("Queue {} of {} answers again after {} ms and {} failed attempt(s)", queue, where,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - o.sinceNanos()), o.failures());
        }
    }
}
