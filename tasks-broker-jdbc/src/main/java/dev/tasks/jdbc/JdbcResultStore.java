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
    private final Database db;
    private final Clock clock;
    private final String upsert;
    private final String select;

    JdbcResultStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        String t = db.names.results;
        String cols = "(task_id, task_name, state, result_value, error, updated_at, expires_at)";
        upsert = db.dialect == Dialect.POSTGRESQL
                ? "INSERT INTO " + t + " " + cols + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET "
                        + "task_name = EXCLUDED.task_name, state = EXCLUDED.state, result_value = EXCLUDED.result_value, "
                        + "error = EXCLUDED.error, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at"
                : "MERGE INTO " + t + " " + cols + " KEY (task_id) VALUES (?, ?, ?, ?, ?, ?, ?)";
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
                ps.setString(2, result.taskName());
                ps.setString(3, result.state().name());
                ps.setString(4, result.value());
                ps.setString(5, result.error());
                ps.setLong(6, result.updatedAt() == null ? now : result.updatedAt().toEpochMilli());
                ps.setLong(7, now + ttlMs);
                return ps.executeUpdate();
            }
        });
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
