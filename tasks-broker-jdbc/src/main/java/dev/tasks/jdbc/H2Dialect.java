package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * H2, the embedded default. H2 locks every row matching {@code FOR UPDATE} before {@code LIMIT} applies, so a
 * claim reads candidates without locks and takes them with a guarded update ({@code WHERE id = ANY(?) AND
 * ready}); the claims of one broker take turns (a lock per dialect instance, that is per broker), and a row
 * another process took in between is skipped. Data-change delta tables ({@code OLD TABLE}, {@code FINAL
 * TABLE}) return what a statement changed. Migrations are serialized by a lease row. No notifications: other
 * processes see enqueues by polling.
 */
final class H2Dialect extends RowwiseDialect {
    private final ReentrantLock claimLock = new ReentrantLock();

    @Override
    public String name() {
        return "H2";
    }

    @Override
    public String folder() {
        return "h2";
    }

    @Override
    public Consumer<HikariDataSource> configurePool(HikariConfig config, String url) {
        H2Pools.EvictLostConnections evict = H2Pools.configure(config, url);
        return evict::pool;
    }

    @Override
    public void opened(Connection c, String where) {
        H2Durability.report(c, where);
    }

    // ------------------------------------------------------------------------------------- migrations

    @Override
    public void prepareMigrationLock(Connection c, TableNames names) throws SQLException {
        SQLException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try (Statement st = c.createStatement()) {
                if (names.schema != null) {
                    st.execute("CREATE SCHEMA IF NOT EXISTS " + names.schema);
                }
                st.execute("CREATE TABLE IF NOT EXISTS " + names.schemaLock
                        + " (id INTEGER PRIMARY KEY, owner VARCHAR(100), locked_until BIGINT NOT NULL)");
                st.execute("MERGE INTO " + names.schemaLock + " t USING (VALUES 1) s(id) ON t.id = s.id "
                        + "WHEN NOT MATCHED THEN INSERT (id, owner, locked_until) VALUES (1, NULL, 0)");
                return;
            } catch (SQLException e) {
                // Concurrent DDL or inserts of the same row from another connection: look again.
                last = e;
                JdbcMigrations.sleep(20L * (attempt + 1));
            }
        }
        throw last;
    }

    @Override
    public boolean tryLockMigrations(Connection c, TableNames names, String owner, long now, long leaseMillis)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + names.schemaLock
                + " SET owner = ?, locked_until = ? WHERE id = 1 AND (owner IS NULL OR locked_until < ?)")) {
            ps.setString(1, owner);
            ps.setLong(2, now + leaseMillis);
            ps.setLong(3, now);
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public void unlockMigrations(Connection c, TableNames names, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + names.schemaLock
                + " SET owner = NULL, locked_until = 0 WHERE id = 1 AND owner = ?")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
    }

    // --------------------------------------------------------------------------------------- messages

    @Override
    public List<ClaimedRow> claim(Database db, String what, List<String> queues, int perQueue, int max, long now,
            long until, long token) {
        claimLock.lock();
        try {
            return db.run(what, c -> claim(c, db.sql, queues, perQueue, max, now, until, token));
        } finally {
            claimLock.unlock();
        }
    }

    private static List<ClaimedRow> claim(Connection c, SqlStatements sql, List<String> queues, int perQueue, int max,
            long now, long until, long token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("promote"))) {
            ps.setLong(1, now);
            ps.executeUpdate();
        }
        // Candidates are read without locks and claimed with a guarded update; rows another process took in
        // between are skipped.
        for (int attempt = 0; attempt < 5; attempt++) {
            List<List<Long>> perQueueIds = new ArrayList<>();
            int limit = queues.size() == 1 ? max : perQueue;
            try (PreparedStatement ps = c.prepareStatement(sql.get("candidates"))) {
                for (String q : queues) {
                    ps.setString(1, q);
                    ps.setInt(2, limit);
                    List<Long> ids = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                        }
                    }
                    perQueueIds.add(ids);
                }
            }
            List<Long> picked = interleave(perQueueIds, max);
            if (picked.isEmpty()) {
                return List.of();
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("claim"))) {
                ps.setLong(1, token);
                ps.setLong(2, until);
                ps.setLong(3, token);
                ps.setArray(4, c.createArrayOf("BIGINT", picked.stream().sorted().toArray()));
                ps.setLong(5, token);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ClaimedRow> got = readClaimed(rs);
                    if (!got.isEmpty()) {
                        return got;
                    }
                }
            }
        }
        return List.of();
    }

    @Override
    public int deadLetter(Connection c, SqlStatements sql, Receipt r, String reason, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("dead_letter"))) {
            ps.setString(1, reason);
            ps.setLong(2, now);
            ps.setLong(3, r.id());
            ps.setLong(4, r.token());
            return ps.executeUpdate();
        }
    }

    @Override
    public int replay(Connection c, SqlStatements sql, String queue, List<Long> ids, long now, String channel)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get(ids == null ? "replay_all" : "replay_ids"))) {
            ps.setLong(1, now);
            ps.setLong(2, now);
            ps.setLong(3, now);
            ps.setString(4, queue);
            if (ids != null) {
                ps.setArray(5, c.createArrayOf("BIGINT", ids.toArray()));
            }
            return ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------------------------------ stores

    @Override
    public int revoke(Connection c, SqlStatements sql, String taskId, boolean terminate, long expires, long now)
            throws SQLException {
        boolean flag = terminate;
        try (PreparedStatement ps = c.prepareStatement(sql.get("revocation_lock"))) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(2) > now && rs.getBoolean(1)) {
                    flag = true;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.get("revocation_merge"))) {
            ps.setString(1, taskId);
            ps.setBoolean(2, flag);
            ps.setLong(3, expires);
            return ps.executeUpdate();
        }
    }

    @Override
    public Long rateAdvance(Connection c, SqlStatements sql, String key, long earliest, long latest, long step)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("rate_advance"))) {
            int i = bindAdvance(ps, earliest, latest, step);
            ps.setString(++i, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    @Override
    public void deleteOutboxRows(Connection c, SqlStatements sql, List<Long> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("outbox_delete"))) {
            ps.setArray(1, c.createArrayOf("BIGINT", ids.toArray()));
            ps.executeUpdate();
        }
    }
}
