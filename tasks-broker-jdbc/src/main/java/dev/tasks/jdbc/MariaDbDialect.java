package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * MariaDB 10.6+ and MySQL 8 (InnoDB). A claim is one short transaction: due delayed rows and expired leases
 * are locked with {@code SELECT ... FOR UPDATE SKIP LOCKED} and made ready, then each queue's first ready rows
 * are locked the same way (the ready index serves the order, so only the rows taken are locked) and leased
 * by id; rows another transaction holds are skipped, never waited for nor taken twice. There is no
 * {@code RETURNING} on {@code UPDATE} nor a data-changing {@code WITH}: a dead-lettering or replay reads the
 * rows it moves under a row lock and moves them in one transaction. Migrations are serialized by a named
 * lock ({@code GET_LOCK}, per database and table prefix). No notifications: other processes see enqueues by
 * polling.
 *
 * <p>Claims run at {@code READ COMMITTED}: at InnoDB's default, {@code REPEATABLE READ}, a locking read also
 * locks the gap before each row it takes, and another claim's update of its own rows (which moves their
 * index entries into that gap) would wait for the first claim to end, so claims of one queue would run one
 * at a time and could deadlock. The broker's own pool is set to it (and to {@code STRICT_TRANS_TABLES}, so
 * that an over-long value fails its statement instead of being cut); on a caller's data source whose
 * connections read otherwise, each claim sets it for its own transaction. An instance belongs to one broker:
 * it remembers whether the broker's connections need that.
 */
final class MariaDbDialect extends RowwiseDialect {
    /** Keeps the server's modes and adds strict mode, so that an over-long value fails its statement. */
    static final String STRICT_MODE =
            "SET SESSION sql_mode = TRIM(BOTH ',' FROM CONCAT(@@SESSION.sql_mode, ',STRICT_TRANS_TABLES'))";

    static final String CLAIM_ISOLATION = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";

    private static final String LOCK_NAME = "CONCAT('tasks_mi_', SHA1(CONCAT(COALESCE(?, DATABASE()), '.', ?)))";

    @Override
    public String name() {
        return "MariaDB";
    }

    @Override
    public String folder() {
        return "mariadb";
    }

    /** Whether the broker's connections read at another level than READ COMMITTED (see the class comment). */
    private volatile boolean setClaimIsolation = true;

    @Override
    public Consumer<HikariDataSource> configurePool(HikariConfig config, String url) {
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setConnectionInitSql(STRICT_MODE);
        return null;
    }

    @Override
    public void opened(Connection c, String where) {
        try {
            setClaimIsolation = c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED;
        } catch (SQLException e) {
            setClaimIsolation = true;
        }
    }

    @Override
    public boolean tableExists(Connection c, TableNames names, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.tables"
                + " WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?")) {
            ps.setString(1, names.schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public boolean columnExists(Connection c, TableNames names, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND column_name = ?")) {
            ps.setString(1, names.schema);
            ps.setString(2, table);
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    // ------------------------------------------------------------------------------------- migrations

    @Override
    public void prepareMigrationLock(Connection c, TableNames names) throws SQLException {
        if (names.schema != null) {
            PostgresDialect.createSchemaQuietly(c, names.schema);
        }
    }

    /** A named lock of the session, one per database and prefix; released when the connection closes too. */
    @Override
    public boolean tryLockMigrations(Connection c, TableNames names, String owner, long now, long leaseMillis)
            throws SQLException {
        return namedLock(c, names, "SELECT GET_LOCK(" + LOCK_NAME + ", 0)");
    }

    @Override
    public void unlockMigrations(Connection c, TableNames names, String owner) throws SQLException {
        namedLock(c, names, "SELECT RELEASE_LOCK(" + LOCK_NAME + ")");
    }

    private static boolean namedLock(Connection c, TableNames names, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(text)) {
            ps.setString(1, names.schema);
            ps.setString(2, names.prefix);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }

    // --------------------------------------------------------------------------------------- messages

    @Override
    public List<ClaimedRow> claim(Database db, String what, List<String> queues, int perQueue, int max, long now,
            long until, long token) {
        return db.run(what, c -> {
            isolateClaim(c);
            return inTransaction(c, () -> claim(c, db.sql, queues, perQueue, max, now, until, token));
        });
    }

    /** Makes the next transaction of {@code c} (in auto-commit mode) read committed, where the broker's need it. */
    void isolateClaim(Connection c) throws SQLException {
        if (setClaimIsolation) {
            try (Statement st = c.createStatement()) {
                st.execute(CLAIM_ISOLATION);
            }
        }
    }

    /** Promotes due rows and claims ready ones in the transaction of {@code c}. */
    static List<ClaimedRow> claim(Connection c, SqlStatements sql, List<String> queues, int perQueue, int max,
            long now, long until, long token) throws SQLException {
        List<Long> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("promote_select"))) {
            ps.setLong(1, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(rs.getLong(1));
                }
            }
        }
        if (!due.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(withIds(sql.get("promote"), due.size()))) {
                bindIds(ps, 1, due);
                ps.executeUpdate();
            }
        }
        int limit = queues.size() == 1 ? max : perQueue;
        List<List<ClaimedRow>> perQueueRows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("candidates"))) {
            for (String q : queues) {
                ps.setString(1, q);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    perQueueRows.add(readClaimed(rs));
                }
            }
        }
        // Rows locked but not taken stay ready; their locks end with this short transaction.
        List<ClaimedRow> picked = interleave(perQueueRows, max);
        if (picked.isEmpty()) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>(picked.size());
        List<ClaimedRow> leased = new ArrayList<>(picked.size());
        for (ClaimedRow r : picked) {
            ids.add(r.id());
            leased.add(new ClaimedRow(r.id(), r.queue(), r.messageId(), r.priority(), r.runAt(), r.deliveries() + 1,
                    r.payload()));
        }
        try (PreparedStatement ps = c.prepareStatement(withIds(sql.get("claim"), ids.size()))) {
            ps.setLong(1, until);
            ps.setLong(2, token);
            bindIds(ps, 3, ids);
            ps.executeUpdate();
        }
        return leased;
    }

    /** One statement for all receipts (the rowwise default takes a transaction of one statement per receipt). */
    @Override
    public int ack(Connection c, SqlStatements sql, List<Receipt> receipts) throws SQLException {
        return settlePairs(c, sql.get("ack_pairs"), receipts);
    }

    @Override
    public void release(Connection c, SqlStatements sql, List<Receipt> receipts, Collection<String> queues,
            String channel) throws SQLException {
        settlePairs(c, sql.get("release_pairs"), receipts);
    }

    private static int settlePairs(Connection c, String text, List<Receipt> receipts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(withPairs(text, receipts.size()))) {
            int i = 0;
            for (Receipt r : receipts) {
                ps.setLong(++i, r.id());
            }
            for (Receipt r : receipts) {
                ps.setLong(++i, r.id());
                ps.setLong(++i, r.token());
            }
            return ps.executeUpdate();
        }
    }

    /** {@code text} with {@code n} placeholders for its {@code ${ids}} and {@code n} pairs for its {@code ${pairs}}. */
    static String withPairs(String text, int n) {
        return withIds(text, n).replace("${pairs}", String.join(", ", Collections.nCopies(n, "(?, ?)")));
    }

    @Override
    public int deadLetter(Connection c, SqlStatements sql, Receipt r, String reason, long now) throws SQLException {
        return inTransaction(c, () -> {
            try (PreparedStatement select = c.prepareStatement(sql.get("dead_letter_select"))) {
                select.setLong(1, r.id());
                select.setLong(2, r.token());
                try (ResultSet rs = select.executeQuery()) {
                    if (!rs.next()) {
                        return 0;
                    }
                    try (PreparedStatement ps = c.prepareStatement(sql.get("dead_letter_insert"))) {
                        ps.setString(1, rs.getString(1));
                        ps.setString(2, rs.getString(2));
                        ps.setInt(3, rs.getInt(3));
                        ps.setString(4, rs.getString(4));
                        ps.setString(5, reason);
                        ps.setInt(6, rs.getInt(5));
                        ps.setLong(7, now);
                        ps.executeUpdate();
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("delete_message"))) {
                ps.setLong(1, r.id());
                return ps.executeUpdate();
            }
        });
    }

    /** Moves the dead letters in chunks of {@value SqlStatements#PROMOTE_BATCH}, all in one transaction. */
    @Override
    public int replay(Connection c, SqlStatements sql, String queue, List<Long> ids, long now, String channel)
            throws SQLException {
        return inTransaction(c, () -> {
            int moved = 0;
            if (ids == null) {
                int n;
                do {
                    try (PreparedStatement ps = c.prepareStatement(sql.get("replay_select_all"))) {
                        ps.setString(1, queue);
                        n = moveBack(c, sql, ps, queue, now);
                    }
                    moved += n;
                } while (n == SqlStatements.PROMOTE_BATCH);
            } else {
                for (int from = 0; from < ids.size(); from += SqlStatements.PROMOTE_BATCH) {
                    List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + SqlStatements.PROMOTE_BATCH));
                    try (PreparedStatement ps = c.prepareStatement(withIds(sql.get("replay_select_ids"), chunk.size()))) {
                        ps.setString(1, queue);
                        bindIds(ps, 2, chunk);
                        moved += moveBack(c, sql, ps, queue, now);
                    }
                }
            }
            return moved;
        });
    }

    /** Inserts the dead letters {@code select} locks (id, message_id, priority, payload) as due messages and deletes them. */
    private int moveBack(Connection c, SqlStatements sql, PreparedStatement select, String queue, long now)
            throws SQLException {
        List<Long> ids = new ArrayList<>();
        List<OutboundMessage> messages = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
                messages.add(new OutboundMessage(rs.getString(2), queue, rs.getInt(3), null, rs.getString(4)));
            }
        }
        if (ids.isEmpty()) {
            return 0;
        }
        long[] runAts = new long[messages.size()];
        Arrays.fill(runAts, now);
        insert(c, sql, messages, runAts, now, Set.of(), null);
        try (PreparedStatement ps = c.prepareStatement(sql.get("delete_dead_letter"))) {
            for (long id : ids) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return ids.size();
    }

    // ------------------------------------------------------------------------------------------ stores

    /** Takes the chord row's lock at once (a failed insert's shared lock, upgraded, could deadlock). */
    @Override
    public int chordIncrement(Connection c, SqlStatements sql, String chordId, long expires) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("chord_upsert"))) {
            ps.setString(1, chordId);
            ps.setLong(2, expires);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(sql.get("chord_members"))) {
            ps.setString(1, chordId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public Long rateAdvance(Connection c, SqlStatements sql, String key, long earliest, long latest, long step)
            throws SQLException {
        return inTransaction(c, () -> {
            long before;
            try (PreparedStatement ps = c.prepareStatement(sql.get("rate_lock"))) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    before = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql.get("rate_advance"))) {
                int i = bindAdvance(ps, earliest, latest, step);
                ps.setString(++i, key);
                ps.executeUpdate();
            }
            return before;
        });
    }

    @Override
    public void deleteOutboxRows(Connection c, SqlStatements sql, List<Long> ids) throws SQLException {
        List<Long> sorted = new ArrayList<>(ids);
        Collections.sort(sorted);
        try (PreparedStatement ps = c.prepareStatement(sql.get("outbox_delete"))) {
            for (long id : sorted) {
                ps.setLong(1, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ----------------------------------------------------------------------------------------- helpers

    /**
     * Runs {@code steps} in a transaction of its own, begun and ended by statements (the connection stays in
     * auto-commit mode: two round trips fewer than switching it off and on), or in the caller's transaction
     * when {@code c} is in one already.
     */
    static <T> T inTransaction(Connection c, Steps<T> steps) throws SQLException {
        if (!c.getAutoCommit()) {
            return steps.run();
        }
        try (Statement st = c.createStatement()) {
            st.execute("START TRANSACTION");
            try {
                T result = steps.run();
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            }
        }
    }

    /** {@code text} with its {@code ${ids}} replaced by {@code n} placeholders. */
    private static String withIds(String text, int n) {
        return text.replace("${ids}", String.join(", ", Collections.nCopies(n, "?")));
    }

    private static void bindIds(PreparedStatement ps, int first, List<Long> ids) throws SQLException {
        for (int i = 0; i < ids.size(); i++) {
            ps.setLong(first + i, ids.get(i));
        }
    }
}
