package dev.tasks.jdbc;

import dev.tasks.TaskState;
import dev.tasks.spi.ResultStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Task results in the {@code results} table, each kept until its time to live runs out. */
final class JdbcResultStore implements ResultStore {
    /** Width of the {@code task_name} column: a longer name is stored cut, with its length. */
    static final int TASK_NAME_WIDTH = 255;

    private final Database db;
    private final Clock clock;
    private final String upsert;
    private final String select;
    private final ResultSignals signals;
    private final String channel;

    JdbcResultStore(Database db, Clock clock) {
        this(db, clock, null);
    }

    /**
     * @param signals where the PostgreSQL listener announces final results (null: none, waits poll)
     */
    JdbcResultStore(Database db, Clock clock, ResultSignals signals) {
        this.db = db;
        this.clock = clock;
        this.signals = signals;
        this.channel = resultChannel(db.names);
        String t = db.names.results;
        upsert = db.sql.get("result_upsert");
        select = "SELECT task_id, task_name, state, result_value, error, updated_at FROM " + t
                + " WHERE task_id = ? AND expires_at >= ?";
    }

    @Override
    public void put(StoredResult result, Duration ttl) {
        Objects.requireNonNull(result, "result");
        long ttlMs = JdbcIdempotencyStore.positive(ttl, "ttl").toMillis();
        long now = clock.millis();
        db.run("storing the result of task " + result.taskId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, result.taskId());
                ps.setString(2, Columns.fit(result.taskName(), TASK_NAME_WIDTH));
                ps.setString(3, result.state().name());
                ps.setString(4, Columns.text(result.value()));
                ps.setString(5, Columns.text(result.error()));
                ps.setLong(6, result.updatedAt() == null ? now : result.updatedAt().toEpochMilli());
                ps.setLong(7, now + ttlMs);
                ps.executeUpdate();
            }
            if (result.state().isFinal()) {
                db.dialect.announceResult(c, db.sql, channel, result.taskId());
            }
            return null;
        });
    }

    /** The PostgreSQL channel on which final results are announced (payload: the task id). */
    static String resultChannel(TableNames names) {
        return names.channel() + "_done";
    }

    /**
     * On PostgreSQL with the listener running: waits for the notification of the task's final result
     * (re-reading at least every second, in case the listener reconnects). Otherwise (H2): polls with a
     * backoff from 5 ms up to 500 ms.
     */
    @Override
    public Optional<StoredResult> await(String taskId, Duration timeout) {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(timeout, "timeout");
        if (signals == null) {
            return ResultStore.super.await(taskId, timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ResultSignals.Signal signal = new ResultSignals.Signal();
        signals.register(taskId, signal);
        try {
            while (true) {
                Optional<StoredResult> r = get(taskId);
                long left = deadline - System.nanoTime();
                if ((r.isPresent() && r.get().state().isFinal()) || left <= 0) {
                    return r;
                }
                synchronized (signal) {
                    if (!signal.fired) {
                        signal.wait(Math.max(1, Math.min(left / 1_000_000, 1_000)));
                    }
                    signal.fired = false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.tasks.TasksException("interrupted while waiting for the result of task " + taskId, e);
        } finally {
            signals.unregister(taskId, signal);
        }
    }

    @Override
    public Optional<StoredResult> get(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        return db.run("reading the result of task " + taskId, c -> {
            try (PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, taskId);
                ps.setLong(2, clock.millis());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<StoredResult>empty();
                    }
                    return Optional.of(new StoredResult(rs.getString(1), rs.getString(2),
                            TaskState.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5),
                            Instant.ofEpochMilli(rs.getLong(6))));
                }
            }
        });
    }
}
