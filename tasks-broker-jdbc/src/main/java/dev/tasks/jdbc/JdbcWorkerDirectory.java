package dev.tasks.jdbc;

import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Worker records as rows of the {@code state} table with keys {@value #KEY_PREFIX}{@code <worker id>} and
 * {@code updated_at} the last heartbeat (by the broker's clock), so no schema change is needed. Thread-safe.
 */
final class JdbcWorkerDirectory implements WorkerDirectory {
    static final String KEY_PREFIX = "worker/";

    private final Database db;
    private final Clock clock;
    private final String upsert;
    private final String purge;
    private final String delete;
    private final String list;

    JdbcWorkerDirectory(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        String t = db.names.state;
        upsert = db.sql.get("state_upsert");
        purge = "DELETE FROM " + t + " WHERE state_key LIKE '" + KEY_PREFIX + "%' AND updated_at < ?";
        delete = "DELETE FROM " + t + " WHERE state_key = ?";
        list = "SELECT state_value FROM " + t + " WHERE state_key LIKE '" + KEY_PREFIX + "%'";
    }

    @Override
    public void record(WorkerInfo info) {
        Objects.requireNonNull(info, "info");
        db.run("recording worker " + info.workerId(), c -> {
            long now = clock.millis();
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, KEY_PREFIX + info.workerId());
                ps.setString(2, info.toJson());
                ps.setLong(3, now);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(purge)) {
                ps.setLong(1, now - KEEP.toMillis());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void remove(String workerId) {
        db.run("removing the record of worker " + workerId, c -> {
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setString(1, KEY_PREFIX + workerId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<WorkerInfo> list() {
        return db.run("listing workers", c -> {
            List<WorkerInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(list); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WorkerInfo.fromJson(rs.getString(1)).ifPresent(out::add);
                }
            }
            out.sort(Comparator.comparing(WorkerInfo::workerId));
            return out;
        });
    }
}
