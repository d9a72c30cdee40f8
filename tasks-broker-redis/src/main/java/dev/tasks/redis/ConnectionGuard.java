package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.spi.support.LogSafe;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Runs Redis calls, turning driver exceptions into {@link BrokerException}s and tracking whether the
 * server is reachable. After a connection failure, one line is logged; later calls keep trying (the
 * connection pool reconnects), and a fetch loop waits out an exponential backoff between attempts, so a
 * down server is never hammered. When a call succeeds again, one line says so.
 *
 * <p>On a Cluster, every connection failure and every redirection ({@code MOVED}/{@code ASK}) renews the
 * driver's slot map (at most every {@value #TOPOLOGY_REFRESH_MIN_MILLIS} ms), in every path, pipelines
 * included: after a failover the next calls go to the promoted replica, not to the dead master.
 */
final class ConnectionGuard {
    private static final Logger log = LogSafe.logger(RedisBroker.class);
    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * Longest backoff on a Cluster or under Sentinel: a replica takes over within seconds, and a fetch
     * should find it within a second of the promotion.
     */
    static final long MAX_FAILOVER_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Least time between two renewals of a Cluster's slot map. */
    static final long TOPOLOGY_REFRESH_MIN_MILLIS = 200;
    /** How long {@link #runThroughFailover} retries. */
    static final long FAILOVER_WAIT_MILLIS = 10_000;
    private static final long TOPOLOGY_REFRESH_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(TOPOLOGY_REFRESH_MIN_MILLIS);
    private static final long NODE_FAILURE_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String PIPELINE_REPLY_MISSING = "Please close pipeline";

    private final UnifiedJedis jedis;
    private final String where;
    private final long maxBackoffNanos;
    private volatile boolean closed;
    // Guarded by this:
    private int failures;
    private long downSinceNanos;
    private long nextAttemptNanos;
    private long refreshedAtNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
    private long nodeFailureLoggedNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

    ConnectionGuard(UnifiedJedis jedis, String where) {
        this.jedis = jedis;
        this.where = where;
        this.maxBackoffNanos = failsOver(jedis) ? MAX_FAILOVER_BACKOFF_NANOS : MAX_BACKOFF_NANOS;
    }

    /** Whether the client follows a failover by itself (Cluster, Sentinel). */
    private static boolean failsOver(UnifiedJedis jedis) {
        return jedis instanceof RedisClusterClient || jedis instanceof RedisSentinelClient;
    }

    UnifiedJedis jedis() {
        return jedis;
    }

    String where() {
        return where;
    }

    boolean isClosed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the Redis broker for " + where + " is closed");
        }
    }

    /**
     * Runs {@code op}. With {@code retryOnce}, a connection failure is retried once on a fresh connection
     * (only for operations that are safe to repeat: a pooled connection may have been dropped by the
     * server while idle).
     *
     * @throws BrokerException wrapping the driver's exception
     */
    <T> T run(String operation, boolean retryOnce, Function<UnifiedJedis, T> op) {
        ensureOpen();
        try {
            T result = apply(op);
            succeeded();
            return result;
        } catch (JedisException first) {
            if (closed) {
                throw new IllegalStateException("the Redis broker for " + where + " was closed during " + operation, first);
            }
            if (!isConnectionFailure(first)) {
                if (isTopologyChange(first)) {
                    refreshTopology(first);
                }
                throw new BrokerException("Redis " + operation + " failed on " + where + ": " + first.getMessage(), first);
            }
            dropIdleConnections();
            refreshTopology(first);
            if (retryOnce) {
                try {
                    T result = apply(op);
                    succeeded();
                    return result;
                } catch (JedisException second) {
                    if (!isConnectionFailure(second)) {
                        throw new BrokerException(
                                "Redis " + operation + " failed on " + where + ": " + second.getMessage(), second);
                    }
                    second.addSuppressed(first);
                    throw connectionLost(operation, second);
                }
            }
            throw connectionLost(operation, first);
        }
    }

    /**
     * Like {@link #run} with {@code retryOnce}, for reads that a task waits for before it starts (whether it
     * was revoked): on a Cluster or under Sentinel, a connection failure (or a Cluster's {@code CLUSTERDOWN},
     * {@code MOVED}...: see {@link #isTopologyChange}) is retried (100 ms, doubling up to
     * 1 s between attempts) for up to {@value #FAILOVER_WAIT_MILLIS} ms, long enough for a replica to be
     * promoted, so that a task whose queue is healthy runs once the promotion is done instead of staying
     * leased until its lease runs out.
     *
     * @throws BrokerException as {@link #run} does, when the wait is over
     */
    <T> T runThroughFailover(String operation, Function<UnifiedJedis, T> op) {
        if (!failsOver(jedis)) {
            return run(operation, true, op);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FAILOVER_WAIT_MILLIS);
        long pause = MIN_BACKOFF_NANOS;
        while (true) {
            try {
                return run(operation, true, op);
            } catch (BrokerException e) {
                if (!(isConnectionFailure(e) || isTopologyChange(e)) || System.nanoTime() + pause - deadline > 0) {
                    throw e;
                }
            }
            if (!sleep(pause)) {
                throw new BrokerException("interrupted while waiting for Redis at " + where + " to fail over during "
                        + operation);
            }
            pause = Math.min(pause * 2, TimeUnit.SECONDS.toNanos(1));
        }
    }

    /**
     * Runs {@code op}; the driver's cluster pipeline leaves the replies of a node whose connection broke
     * unset, and reading one throws {@link IllegalStateException}: that is a connection failure.
     */
    private <T> T apply(Function<UnifiedJedis, T> op) {
        try {
            return op.apply(jedis);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(PIPELINE_REPLY_MISSING)) {
                throw new JedisConnectionException("a node's connection broke during a pipeline, its replies are"
                        + " missing", e);
            }
            throw e;
        }
    }

    /**
     * A Cluster node failed in a call that goes on with the other nodes (see {@link GroupedPipeline}):
     * renews the slot map, so that the next call finds the promoted replica.
     */
    void nodeFailed(JedisException e) {
        boolean tell;
        synchronized (this) {
            long now = System.nanoTime();
            tell = now - nodeFailureLoggedNanos >= NODE_FAILURE_LOG_NANOS;
            if (tell) {
                nodeFailureLoggedNanos = now;
            }
        }
        if (tell) {
            log.warn("A node of Redis Cluster {} failed ({}); the calls it serves fail with BrokerException, the"
                    + " others go on, and the slot map is renewed until a replica has taken over", where, e.toString());
        }
        refreshTopology(e);
    }

    /** On a Cluster, renews the slot map unless that was done less than 200 ms ago. */
    private void refreshTopology(JedisException cause) {
        if (!(jedis instanceof RedisClusterClient cluster) || closed) {
            return;
        }
        synchronized (this) {
            long now = System.nanoTime();
            if (now - refreshedAtNanos < TOPOLOGY_REFRESH_MIN_NANOS) {
                return;
            }
            refreshedAtNanos = now;
        }
        try {
            cluster.refreshClusterTopology();
            log.debug("Renewed the slot map of Redis Cluster {} after {}", where, cause.toString());
        } catch (RuntimeException e) {
            log.debug("Could not renew the slot map of Redis Cluster {} ({}); the next failure tries again", where,
                    e.toString());
        }
    }

    /**
     * While the server is considered down, sleeps until the next reconnect attempt is due, but not past
     * {@code deadlineNanos} ({@link System#nanoTime()} based).
     *
     * @return false if the thread was interrupted (the flag is set again)
     * @throws BrokerException if the deadline comes before the next attempt is due
     */
    boolean awaitReconnect(long deadlineNanos) {
        long next;
        synchronized (this) {
            if (failures == 0) {
                return true;
            }
            next = nextAttemptNanos;
        }
        long now = System.nanoTime();
        if (!sleep(Math.min(next - now, deadlineNanos - now))) {
            return false;
        }
        if (System.nanoTime() - next < 0) {
            throw new BrokerException("Redis at " + where + " is unreachable; the next reconnect attempt is in "
                    + TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + " ms");
        }
        return true;
    }

    /** Sleeps {@code nanos} (nothing if not positive); false if interrupted (the flag is set again). */
    static boolean sleep(long nanos) {
        if (nanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private BrokerException connectionLost(String operation, JedisException e) {
        boolean first;
        long backoff;
        synchronized (this) {
            first = failures == 0;
            if (first) {
                downSinceNanos = System.nanoTime();
            }
            failures++;
            backoff = Math.min(maxBackoffNanos, MIN_BACKOFF_NANOS << Math.min(failures - 1, 20));
            nextAttemptNanos = System.nanoTime() + backoff;
        }
        if (first) {
            log.warn("Lost connection to Redis at {} during {} ({}); operations fail with BrokerException until it is "
                    + "back, reconnecting with backoff up to {} s", where, operation, e.toString(),
                    TimeUnit.NANOSECONDS.toSeconds(maxBackoffNanos));
        } else {
            log.debug("Redis at {} still unreachable during {} ({}); next attempt in {} ms", where, operation, e,
                    TimeUnit.NANOSECONDS.toMillis(backoff));
        }
        String effect = e instanceof GroupedPipeline.AllFailed all && !all.sent()
                ? "; it did not take effect (nothing was sent)" : "; whether it took effect is unknown";
        return new BrokerException("Redis " + operation + " failed: lost connection to " + where + effect + " ("
                + e.getMessage() + ")", e);
    }

    private void succeeded() {
        int f;
        long since;
        synchronized (this) {
            if (failures == 0) {
                return;
            }
            f = failures;
            since = downSinceNanos;
            failures = 0;
        }
        log.info("Connection to Redis at {} restored after {} ms and {} failed attempt(s)", where,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since), f);
    }

    private void dropIdleConnections() {
        if (jedis instanceof RedisClient client) {
            try {
                client.getPool().clear();
            } catch (RuntimeException e) {
                log.debug("Could not clear idle Redis connections of {}", where, e);
            }
        }
    }

    static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisConnectionException) {
                return true;
            }
        }
        return e instanceof JedisClusterOperationException;
    }

    /**
     * Whether a reply says the Cluster is changing its topology: {@code MOVED}/{@code ASK} (a slot has
     * another owner), {@code CLUSTERDOWN} (a slot has no live master until a replica is promoted),
     * {@code TRYAGAIN}, {@code LOADING}. Such a command did not run; it can run once the slot map is renewed.
     */
    static boolean isTopologyChange(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisRedirectionException || t instanceof JedisClusterException) {
                return true;
            }
            String m = t instanceof JedisDataException ? t.getMessage() : null;
            if (m != null && (m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("LOADING"))) {
                return true;
            }
        }
        return false;
    }

    /** A reply said the Cluster's topology changes (see {@link #isTopologyChange}): renews the slot map. */
    void topologyChanged(JedisException e) {
        refreshTopology(e);
    }

    /** An error reply to a command (which did not run); on a Cluster in transition, renews the slot map. */
    JedisDataException refusal(JedisDataException e) {
        if (isTopologyChange(e)) {
            topologyChanged(e);
        }
        return e;
    }
}
