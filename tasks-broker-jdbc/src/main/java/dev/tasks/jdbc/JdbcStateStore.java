package dev.tasks.jdbc;

import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.StateStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Small values in the {@code state} table. A fenced write locks the lease's lock row first, so no new
 * holder can take the lock between the check and the write.
 */
final class JdbcStateStore implements StateStore {
    private final Database db;
    private final Clock clock;
    private final String select;
    private final String checkLease;
    private final String upsert;

    JdbcStateStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        String t = db.names.state;
        select = "SELECT state_value FROM " + t + " WHERE state_key = ?";
        checkLease = "SELECT 1 FROM " + db.names.locks
                + " WHERE name = ? AND owner = ? AND fencing_token = ? AND expires_at >= ? FOR UPDATE";
        upsert = db.sql.get("state_upsert");
    }

    @Override
    public Optional<String> get(String key) {
        Objects.requireNonNull(key, "key");
        return db.run("reading state " + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    @Override
    public boolean putFenced(String key, String value, LeaderLock.LockLease lease) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(lease, "lease");
        return db.inTransaction("writing state " + key + " under leader lock " + lease.name(), c -> {
            long now = clock.millis();
            try (PreparedStatement ps = c.prepareStatement(checkLease)) {
                ps.setString(1, lease.name());
                ps.setString(2, lease.owner());
                ps.setLong(3, lease.fencingToken());
                ps.setLong(4, now);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                ps.setString(1, key);
                ps.setString(2, value);
                ps.setLong(3, now);
                ps.executeUpdate();
            }
            return true;
        });
    }
}
