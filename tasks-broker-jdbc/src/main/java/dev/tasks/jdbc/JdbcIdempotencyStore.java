package dev.tasks.jdbc;

import dev.tasks.spi.IdempotencyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** Idempotency keys in the {@code idempotency_keys} table; every decision is one atomic statement. */
final class JdbcIdempotencyStore implements IdempotencyStore {
    private final Database db;
    private final Clock clock;
    private final String table;
    private final String takeOver;
    private final String insert;
    private final String read;
    private final String renew;
    private final String complete;
    private final String release;

    JdbcIdempotencyStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        String t = db.names.idempotency;
        table = t;
        takeOver = takeOverSql(0);
        insert = db.sql.get("idempotency_insert");
        read = "SELECT done, expires_at, owner FROM " + t + " WHERE idem_key = ?";
        renew = "UPDATE " + t + " SET expires_at = ? WHERE idem_key = ? AND owner = ? AND NOT done";
        complete = "UPDATE " + t + " SET done = TRUE, expires_at = ? WHERE idem_key = ? AND owner = ? AND NOT done";
        release = "DELETE FROM " + t + " WHERE idem_key = ? AND owner = ? AND NOT done";
    }

    /**
     * Takes the key when its row lapsed, is the owner's own running claim, or is a running claim whose owner
     * starts with one of as many prefixes as {@code prefixes} says (each a LIKE pattern, '!' escaping).
     */
    private String takeOverSql(int prefixes) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(table)
                .append(" SET owner = ?, done = FALSE, expires_at = ? WHERE idem_key = ?")
                .append(" AND (expires_at < ? OR (NOT done AND (owner = ?");
        for (int i = 0; i < prefixes; i++) {
            sql.append(" OR owner LIKE ? ESCAPE '!'");
        }
        return sql.append(")))").toString();
    }

    private static String likePrefix(String prefix) {
        return prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl) {
        return claim(key, owner, ttl, List.of());
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl, List<String> takeOverPrefixes) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        List<String> prefixes = List.copyOf(takeOverPrefixes);
        long ttlMs = positive(ttl, "ttl").toMillis();
        String update = prefixes.isEmpty() ? takeOver : takeOverSql(prefixes.size());
        return db.run("claiming idempotency key " + key, c -> {
            for (int attempt = 0; ; attempt++) {
                long now = clock.millis();
                try (PreparedStatement ps = c.prepareStatement(update)) {
                    ps.setString(1, owner);
                    ps.setLong(2, now + ttlMs);
                    ps.setString(3, key);
                    ps.setLong(4, now);
                    ps.setString(5, owner);
                    for (int i = 0; i < prefixes.size(); i++) {
                        ps.setString(6 + i, likePrefix(prefixes.get(i)));
                    }
                    if (ps.executeUpdate() == 1) {
                        return Claim.CLAIMED;
                    }
                }
                if (tryInsert(c, key, owner, now + ttlMs)) {
                    return Claim.CLAIMED;
                }
                try (PreparedStatement ps = c.prepareStatement(read)) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && rs.getLong(2) >= now) {
                            if (rs.getBoolean(1)) {
                                return Claim.DONE;
                            }
                            // The owner's own running claim: an insert that committed, then was sent again
                            // by a client that reconnected (H2 over AUTO_SERVER), is still this claim.
                            return owner.equals(rs.getString(3)) ? Claim.CLAIMED : Claim.IN_PROGRESS;
                        }
                    }
                }
                // The row expired or vanished between the statements: decide again.
                if (attempt >= 10) {
                    return Claim.IN_PROGRESS;
                }
            }
        });
    }

    private boolean tryInsert(Connection c, String key, String owner, long expires) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, key);
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
    public boolean renew(String key, String owner, Duration ttl) {
        long ttlMs = positive(ttl, "ttl").toMillis();
        return db.run("renewing idempotency key " + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(renew)) {
                ps.setLong(1, clock.millis() + ttlMs);
                ps.setString(2, key);
                ps.setString(3, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void complete(String key, String owner, Duration retention) {
        long ms = positive(retention, "retention").toMillis();
        db.run("completing idempotency key " + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(complete)) {
                ps.setLong(1, clock.millis() + ms);
                ps.setString(2, key);
                ps.setString(3, owner);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void release(String key, String owner) {
        db.run("releasing idempotency key " + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(release)) {
                ps.setString(1, key);
                ps.setString(2, owner);
                return ps.executeUpdate();
            }
        });
    }

    static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }
}
