package dev.tasks.jdbc;

import dev.tasks.spi.LeaderLock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Leader locks in the {@code locks} table. Rows are never deleted, so the fencing token of a name only
 * grows: a new holder (a different owner, or the same owner after a release) gets the previous token plus
 * one; the holder renewing keeps its token.
 */
final class JdbcLeaderLock implements LeaderLock {
    private final Database db;
    private final Clock clock;
    private final String take;
    private final String token;
    private final String insert;
    private final String renew;
    private final String release;

    JdbcLeaderLock(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        String t = db.names.locks;
        take = "UPDATE " + t + " SET fencing_token = CASE WHEN owner = ? THEN fencing_token ELSE fencing_token + 1 END, "
                + "owner = ?, expires_at = ? WHERE name = ? AND (owner = ? OR owner IS NULL OR expires_at < ?)";
        token = "SELECT fencing_token FROM " + t + " WHERE name = ? AND owner = ?";
        insert = db.sql.get("lock_insert");
        renew = "UPDATE " + t + " SET expires_at = ? WHERE name = ? AND owner = ? AND fencing_token = ?";
        release = "UPDATE " + t + " SET owner = NULL, expires_at = 0 WHERE name = ? AND owner = ? AND fencing_token = ?";
    }

    @Override
    public Optional<LockLease> tryAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        long ttlMs = JdbcIdempotencyStore.positive(ttl, "ttl").toMillis();
        return db.inTransaction("acquiring leader lock " + name, c -> {
            long now = clock.millis();
            try (PreparedStatement ps = c.prepareStatement(take)) {
                ps.setString(1, owner);
                ps.setString(2, owner);
                ps.setLong(3, now + ttlMs);
                ps.setString(4, name);
                ps.setString(5, owner);
                ps.setLong(6, now);
                if (ps.executeUpdate() == 1) {
                    return Optional.of(new LockLease(name, owner, readToken(c, name, owner)));
                }
            }
            if (tryInsert(c, name, owner, now + ttlMs)) {
                return Optional.of(new LockLease(name, owner, 1L));
            }
            return Optional.<LockLease>empty();
        });
    }

    private long readToken(Connection c, String name, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(token)) {
            ps.setString(1, name);
            ps.setString(2, owner);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private boolean tryInsert(Connection c, String name, String owner, long expires) throws SQLException {
        // Where the statement does not skip an existing name itself, the insert fails on the key; the databases
        // that do so keep the transaction usable after that error.
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, name);
            ps.setString(2, owner);
            ps.setLong(3, expires);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (SqlStates.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean renew(LockLease lease, Duration ttl) {
        Objects.requireNonNull(lease, "lease");
        long ttlMs = JdbcIdempotencyStore.positive(ttl, "ttl").toMillis();
        return db.run("renewing leader lock " + lease.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(renew)) {
                ps.setLong(1, clock.millis() + ttlMs);
                ps.setString(2, lease.name());
                ps.setString(3, lease.owner());
                ps.setLong(4, lease.fencingToken());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void release(LockLease lease) {
        Objects.requireNonNull(lease, "lease");
        db.run("releasing leader lock " + lease.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(release)) {
                ps.setString(1, lease.name());
                ps.setString(2, lease.owner());
                ps.setLong(3, lease.fencingToken());
                return ps.executeUpdate();
            }
        });
    }
}
