package dev.tasks.jdbc;

import dev.tasks.spi.WorkerLayouts;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The workers' layout announcements in the {@code <prefix>workers} table (schema version 3). The SQL
 * broker's layout version is its code version, the highest schema version it knows; it runs beside the
 * code versions that the schema it needs still admits ({@link MigrationPlan#oldestPeer()}), so SQL workers
 * refuse a mix only across a contraction. Expiry is by the broker's clock; rows that expired are deleted by
 * the next announcement. Thread-safe.
 */
final class JdbcWorkerLayouts implements WorkerLayouts {
    /** The schema version that creates the table. */
    static final int SCHEMA_VERSION = 3;

    private final Database db;
    private final Clock clock;
    private final Layout current;
    private final String upsert;
    private final String live;
    private final String purge;
    private final String delete;

    JdbcWorkerLayouts(Database db, Clock clock, MigrationPlan plan) {
        this.db = db;
        this.clock = clock;
        this.current = new Layout(plan.latest(), plan.oldestPeer());
        String t = db.names.table("workers");
        upsert = db.sql.get("worker_upsert");
        live = "SELECT worker_id, layout, compatible_from FROM " + t + " WHERE expires_at > ? ORDER BY worker_id";
        purge = "DELETE FROM " + t + " WHERE expires_at <= ?";
        delete = "DELETE FROM " + t + " WHERE worker_id = ?";
    }

    @Override
    public Layout current() {
        return current;
    }

    @Override
    public List<Announcement> announce(String workerId, Layout layout, Duration ttl) {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(layout, "layout");
        return db.run("announcing the layout of worker " + workerId, c -> {
            long now = clock.millis();
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, workerId);
                ps.setInt(2, layout.version());
                ps.setInt(3, layout.compatibleFrom());
                ps.setLong(4, now + ttl.toMillis());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(purge)) {
                ps.setLong(1, now);
                ps.executeUpdate();
            }
            List<Announcement> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(live)) {
                ps.setLong(1, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Announcement(rs.getString(1), new Layout(rs.getInt(2), rs.getInt(3))));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void withdraw(String workerId) {
        db.run("withdrawing the layout of worker " + workerId, c -> {
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setString(1, workerId);
                return ps.executeUpdate();
            }
        });
    }
}
