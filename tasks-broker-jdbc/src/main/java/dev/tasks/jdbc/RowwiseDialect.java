package dev.tasks.jdbc;

import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The steps shared by the dialects without array parameters or {@code NOTIFY} (H2, MariaDB/MySQL): many
 * rows are one batched statement per row in one transaction, in id order, so that two settlements over
 * overlapping rows wait for each other instead of deadlocking; inserts that may meet an existing key treat a
 * duplicate-key error as "exists" (neither database aborts the transaction for it).
 */
abstract class RowwiseDialect implements SqlDialect {

    @Override
    public void insert(Connection c, SqlStatements sql, List<OutboundMessage> messages, long[] runAts, long now,
            Set<String> ready, String channel) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("insert_one"))) {
            for (int i = 0; i < messages.size(); i++) {
                OutboundMessage m = messages.get(i);
                ps.setString(1, m.queue());
                ps.setString(2, m.id());
                ps.setInt(3, m.priority());
                ps.setBoolean(4, runAts[i] <= now);
                ps.setLong(5, runAts[i]);
                ps.setLong(6, runAts[i]);
                ps.setLong(7, now);
                ps.setString(8, m.payload());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public void registerQueues(Connection c, SqlStatements sql, List<String> queues, long now) throws SQLException {
        // Two registrations of one new name at once may both try to insert it; the second then fails on the
        // primary key. The queue exists either way, and the caller's transaction goes on.
        try (PreparedStatement ps = c.prepareStatement(sql.get("register_queue"))) {
            for (String q : queues) {
                ps.setString(1, q);
                ps.setLong(2, now);
                try {
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (!SqlStates.isDuplicateKey(e)) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public int ack(Connection c, SqlStatements sql, List<Receipt> receipts) throws SQLException {
        return batchPairs(c, sql.get("ack_one"), receipts);
    }

    @Override
    public void release(Connection c, SqlStatements sql, List<Receipt> receipts, Collection<String> queues,
            String channel) throws SQLException {
        batchPairs(c, sql.get("release_one"), receipts);
    }

    @Override
    public Set<Receipt> extend(Connection c, SqlStatements sql, List<Receipt> receipts, long until) throws SQLException {
        Set<Receipt> kept = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("extend_one"))) {
            for (Receipt r : receipts) {
                ps.setLong(1, until);
                ps.setLong(2, r.id());
                ps.setLong(3, r.token());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    kept.add(receipts.get(i));
                }
            }
        }
        return kept;
    }

    @Override
    public int retry(Connection c, SqlStatements sql, Receipt r, String payload, boolean ready, long runAt,
            String queue, String channel) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("retry"))) {
            ps.setString(1, payload);
            ps.setBoolean(2, ready);
            ps.setLong(3, runAt);
            ps.setLong(4, runAt);
            ps.setLong(5, r.id());
            ps.setLong(6, r.token());
            return ps.executeUpdate();
        }
    }

    @Override
    public int chordIncrement(Connection c, SqlStatements sql, String chordId, long expires) throws SQLException {
        while (true) {
            try (PreparedStatement ps = c.prepareStatement(sql.get("chord_update"))) {
                ps.setLong(1, expires);
                ps.setString(2, chordId);
                if (ps.executeUpdate() == 1) {
                    try (PreparedStatement q = c.prepareStatement(sql.get("chord_members"))) {
                        q.setString(1, chordId);
                        try (ResultSet rs = q.executeQuery()) {
                            rs.next();
                            return rs.getInt(1);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("chord_insert"))) {
                ps.setString(1, chordId);
                ps.setLong(2, expires);
                ps.executeUpdate();
                return 1;
            } catch (SQLException e) {
                if (!SqlStates.isDuplicateKey(e)) {
                    throw e;
                }
                // Another member created the row first: count on it.
            }
        }
    }

    // ----------------------------------------------------------------------------------------- helpers

    /** Runs {@code text} for each receipt, in id order, in one transaction; returns the rows changed. */
    static int batchPairs(Connection c, String text, List<Receipt> receipts) throws SQLException {
        List<Receipt> inIdOrder = new ArrayList<>(receipts);
        inIdOrder.sort(Comparator.comparingLong(Receipt::id));
        return atomically(c, () -> {
            try (PreparedStatement ps = c.prepareStatement(text)) {
                for (Receipt r : inIdOrder) {
                    ps.setLong(1, r.id());
                    ps.setLong(2, r.token());
                    ps.addBatch();
                }
                int n = 0;
                for (int k : ps.executeBatch()) {
                    n += Math.max(k, 0);
                }
                return n;
            }
        });
    }

    /** Work of several statements on one connection. */
    interface Steps<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code steps} in a transaction of its own on {@code c} (in auto-commit mode, restored after), or
     * in the caller's when {@code c} is in one already.
     */
    static <T> T atomically(Connection c, Steps<T> steps) throws SQLException {
        if (!c.getAutoCommit()) {
            return steps.run();
        }
        c.setAutoCommit(false);
        try {
            T result = steps.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            Database.rollbackQuietly(c, e);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Binds (earliest, latest, earliest, step) twice, the parameters of {@code rate_advance}; returns the last index. */
    static int bindAdvance(PreparedStatement ps, long earliest, long latest, long step) throws SQLException {
        int i = 0;
        for (int k = 0; k < 2; k++) {
            ps.setLong(++i, earliest);
            ps.setLong(++i, latest);
            ps.setLong(++i, earliest);
            ps.setLong(++i, step);
        }
        return i;
    }

    /**
     * Up to {@code max} elements taken rank by rank from the lists (the first of each list, then the second of
     * each...), so that a claim over several queues serves each of them.
     */
    static <T> List<T> interleave(List<List<T>> lists, int max) {
        List<T> picked = new ArrayList<>();
        for (int rank = 0; picked.size() < max; rank++) {
            boolean any = false;
            for (List<T> l : lists) {
                if (rank < l.size() && picked.size() < max) {
                    picked.add(l.get(rank));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return picked;
    }

    /** Reads claimed rows: id, queue, message_id, priority, run_at, deliveries, payload. */
    static List<ClaimedRow> readClaimed(ResultSet rs) throws SQLException {
        List<ClaimedRow> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(new ClaimedRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                    rs.getInt(6), rs.getString(7)));
        }
        return rows;
    }
}
