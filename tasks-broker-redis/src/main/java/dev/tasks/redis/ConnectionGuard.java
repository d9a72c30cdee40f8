package dev.tasks.redis;

import dev.tasks.BrokerException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Runs Redis calls, turning driver exceptions into {@link BrokerException}s and tracking whether the
 * server is reachable. After a connection failure, one line is logged; later calls keep trying (the
 * connection pool reconnects), and a fetch loop waits out an exponential backoff between attempts, so a
 * down server is never hammered. When a call succeeds again, one line says so.
 */
final class ConnectionGuard {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final UnifiedJedis jedis;
    private final String where;
    private volatile boolean closed;
    // Guarded by this:
    private int failures;
    private long downSinceNanos;
    private long nextAttemptNanos;

    ConnectionGuard(UnifiedJedis jedis, String where) {
        this.jedis = jedis;
        this.where = where;
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
            T result = op.apply(jedis);
            succeeded();
            return result;
        } catch (JedisException first) {
            if (closed) {
                throw new IllegalStateException("the Redis broker for " + where + " was closed during " + operation, first);
            }
            if (!isConnectionFailure(first)) {
                throw new BrokerException("Redis " + operation + " failed on " + where + ": " + first.getMessage(), first);
            }
            dropIdleConnections();
            if (retryOnce) {
                try {
                    T result = op.apply(jedis);
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
        long sleep = Math.min(next - now, deadlineNanos - now);
        if (sleep > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        if (System.nanoTime() - next < 0) {
            throw new BrokerException("Redis at " + where + " is unreachable; the next reconnect attempt is in "
                    + TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + " ms");
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
            backoff = Math.min(MAX_BACKOFF_NANOS, MIN_BACKOFF_NANOS << Math.min(failures - 1, 20));
            nextAttemptNanos = System.nanoTime() + backoff;
        }
        if (first) {
            log.warn("Lost connection to Redis at {} during {} ({}); operations fail with BrokerException until it is "
                    + "back, reconnecting with backoff up to {} s", where, operation, e.toString(),
                    TimeUnit.NANOSECONDS.toSeconds(MAX_BACKOFF_NANOS));
        } else {
            log.debug("Redis at {} still unreachable during {} ({}); next attempt in {} ms", where, operation, e,
                    TimeUnit.NANOSECONDS.toMillis(backoff));
        }
        return new BrokerException("Redis " + operation + " failed: lost connection to " + where
                + "; whether it took effect is unknown (" + e.getMessage() + ")", e);
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
}
