package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves rows from a {@link JdbcOutbox} to a target {@link Broker} on one background thread
 * ({@code tasks-outbox-relay-<n>}): reads a batch in insertion order with its rows locked, publishes it,
 * deletes it, commits. Delivery is at-least-once: if the process dies or the delete fails after the publish,
 * the rows stay and are published again (same task ids). Several relays (in several processes) may run on one
 * outbox; they skip each other's locked rows on PostgreSQL and MariaDB/MySQL and take turns on H2.
 *
 * <p>Lifecycle: {@link #start()} once; {@link #stop()} (or {@link #close()}) stops the thread after the batch
 * in hand; both are safe to call twice. A failing batch is logged and retried with backoff (up to
 * {@link #MAX_BACKOFF}); the loop never dies. Thread-safe.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LogSafe.logger(OutboxRelay.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Default rows per batch. */
    public static final int DEFAULT_BATCH_SIZE = 200;
    /** Default pause between polls of an empty outbox (commits in this process wake the relay at once). */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(200);
    /** The longest pause after repeated failures. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private enum State { NEW, RUNNING, STOPPED }

    private final JdbcOutbox outbox;
    private final Broker target;
    private final int batchSize;
    private final Duration pollInterval;
    /** The dialect of the outbox's database and its statements, found on the first batch. */
    private volatile SqlDialect dialect;
    private volatile SqlStatements sql;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Runnable onCommit = this::wake;
    private boolean woken;
    private volatile State state = State.NEW;

    private OutboxRelay(Builder b) {
        this.outbox = b.outbox;
        this.target = b.target;
        this.batchSize = b.batchSize;
        this.pollInterval = b.pollInterval;
        this.thread = new Thread(this::loop, b.threadName != null ? b.threadName
                : "tasks-outbox-relay-" + INSTANCES.incrementAndGet());
        this.thread.setDaemon(true);
    }

    static Builder builder(JdbcOutbox outbox, Broker target) {
        return new Builder(outbox, target);
    }

    /**
     * Starts the relay thread.
     *
     * @throws IllegalStateException if the relay was stopped (a stopped relay cannot be restarted; build a new one)
     */
    public synchronized void start() {
        if (state == State.RUNNING) {
            return;
        }
        if (state == State.STOPPED) {
            throw new IllegalStateException("outbox relay " + thread.getName() + " is stopped; build a new one");
        }
        state = State.RUNNING;
        outbox.onCommit(onCommit);
        thread.start();
        log.info("outbox relay {} started: {} -> {}, batch {}, poll {}", thread.getName(), outbox.names().outbox,
                target.describe(), batchSize, pollInterval);
    }

    /** Stops the relay after the batch in hand, waiting up to 10 seconds for the thread. Safe to call twice. */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            state = State.STOPPED;
            return;
        }
        state = State.STOPPED;
        outbox.removeOnCommit(onCommit);
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("outbox relay {} stopped", thread.getName());
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Whether the relay thread is running. */
    public boolean isRunning() {
        return state == State.RUNNING && thread.isAlive();
    }

    /** The outbox's current lag (rows waiting, age of the oldest); see {@link JdbcOutbox#lag()}. */
    public OutboxLag lag() {
        return outbox.lag();
    }

    /**
     * Relays one batch on the calling thread.
     *
     * @return how many rows were published and deleted
     * @throws dev.tasks.BrokerException if the database or the target fails (nothing is deleted then)
     */
    public int relayOnce() {
        try (Connection c = outbox.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Long> ids = new ArrayList<>();
                List<OutboundMessage> messages = new ArrayList<>();
                if (dialect == null) {
                    SqlDialect d = SqlDialects.of(c);
                    sql = SqlStatements.of(d.folder(), outbox.names());
                    dialect = d;
                }
                try (PreparedStatement ps = c.prepareStatement(sql.get("outbox_select"))) {
                    ps.setInt(1, batchSize);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                            long notBefore = rs.getLong(5);
                            Instant nb = rs.wasNull() ? null : Instant.ofEpochMilli(notBefore);
                            messages.add(new OutboundMessage(rs.getString(2), rs.getString(3), rs.getInt(4), nb,
                                    rs.getString(6)));
                        }
                    }
                }
                if (messages.isEmpty()) {
                    c.commit();
                    return 0;
                }
                target.publish(messages);
                dialect.deleteOutboxRows(c, sql, ids);
                c.commit();
                return messages.size();
            } catch (SQLException | RuntimeException e) {
                Database.rollbackQuietly(c, e);
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // Broken connection: the pool discards it.
                }
            }
        } catch (SQLException e) {
            throw new dev.tasks.BrokerException("relaying the outbox " + outbox.names().outbox + " to "
                    + target.describe() + " failed: " + e.getMessage() + "; the rows stay and are relayed again", e);
        }
    }

    private void loop() {
        long backoff = pollInterval.toMillis();
        boolean failing = false;
        while (state == State.RUNNING) {
            try {
                int n = relayOnce();
                if (failing) {
                    log.info("outbox relay {} recovered", thread.getName());
                    failing = false;
                }
                backoff = pollInterval.toMillis();
                if (n < batchSize) {
                    pause(pollInterval.toMillis());
                }
            } catch (Throwable t) {
                if (!failing) {
                    log.warn("outbox relay {} failed; the rows stay in the outbox and are retried with backoff",
                            thread.getName(), t);
                    failing = true;
                } else {
                    log.debug("outbox relay {} still failing: {}", thread.getName(), t.toString());
                }
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private void wake() {
        lock.lock();
        try {
            woken = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void pause(long millis) {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!woken && left > 0 && state == State.RUNNING) {
                left = wake.awaitNanos(left);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = State.STOPPED;
        } finally {
            lock.unlock();
        }
    }

    /** Builds an {@link OutboxRelay}. Not thread-safe. */
    public static final class Builder {
        private final JdbcOutbox outbox;
        private final Broker target;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private String threadName;

        private Builder(JdbcOutbox outbox, Broker target) {
            this.outbox = Objects.requireNonNull(outbox, "outbox");
            this.target = Objects.requireNonNull(target, "target");
        }

        /** Rows per batch (one publish, one delete); default {@value OutboxRelay#DEFAULT_BATCH_SIZE}. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Pause between polls of an empty outbox; default 200 ms. */
        public Builder pollInterval(Duration pollInterval) {
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (pollInterval.toMillis() < 1) {
                throw new IllegalArgumentException("pollInterval must be >= 1 ms, was " + pollInterval);
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /** The relay thread's name; default {@code tasks-outbox-relay-<n>}. */
        public Builder threadName(String threadName) {
            this.threadName = Objects.requireNonNull(threadName, "threadName");
            return this;
        }

        /** Builds the relay (not started). */
        public OutboxRelay build() {
            return new OutboxRelay(this);
        }
    }
}
