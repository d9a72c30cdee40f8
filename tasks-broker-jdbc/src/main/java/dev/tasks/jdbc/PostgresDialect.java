package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL: many rows bind to one statement as arrays; a claim is one {@code UPDATE ... WHERE id =
 * ANY(ARRAY(SELECT ... FOR UPDATE SKIP LOCKED)) RETURNING} after the promotion of due rows, in one round trip;
 * {@code LISTEN/NOTIFY} announces enqueues and final results; migrations are serialized by an advisory lock
 * and build indexes concurrently. Stateless.
 */
final class PostgresDialect implements SqlDialect {
    /**
     * Plans every execution with its parameters instead of reusing a generic plan. A queue table swings
     * from empty to millions of rows and back faster than statistics follow; a generic plan cached while
     * it was small (a sequential scan) would then be kept for the big one, and every fetch would read the
     * whole table. The statements are cheap to plan. PostgreSQL 12 or later has the setting.
     */
    static final String CUSTOM_PLANS = "DO $$BEGIN IF current_setting('server_version_num')::int >= 120000 THEN"
            + " SET plan_cache_mode = force_custom_plan; END IF; END$$";

    private static final Pattern CONCURRENT_INDEX =
            Pattern.compile("(?is)^CREATE\\s+INDEX\\s+CONCURRENTLY\\s+IF\\s+NOT\\s+EXISTS\\s+(\\w+)\\s.*");

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public String folder() {
        return "postgresql";
    }

    @Override
    public Consumer<HikariDataSource> configurePool(HikariConfig config, String url) {
        config.setConnectionInitSql(CUSTOM_PLANS);
        return null;
    }

    @Override
    public boolean notifies() {
        return true;
    }

    @Override
    public boolean vacuums() {
        return true;
    }

    // ------------------------------------------------------------------------------------- migrations

    @Override
    public void prepareMigrationLock(Connection c, TableNames names) throws SQLException {
        if (names.schema != null) {
            // Needs no lock: CREATE SCHEMA IF NOT EXISTS may still race, hence the retries.
            createSchemaQuietly(c, names.schema);
        }
    }

    static void createSchemaQuietly(Connection c, String schema) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                return;
            } catch (SQLException e) {
                if (attempt >= 3) {
                    throw e;
                }
                JdbcMigrations.sleep(20L * (attempt + 1));
            }
        }
    }

    @Override
    public boolean tryLockMigrations(Connection c, TableNames names, String owner, long now, long leaseMillis)
            throws SQLException {
        return PgAdvisoryLock.tryLock(c, advisoryKey(names));
    }

    @Override
    public void unlockMigrations(Connection c, TableNames names, String owner) throws SQLException {
        PgAdvisoryLock.unlock(c, advisoryKey(names));
    }

    /** One lock per schema and prefix: migrations of other table sets do not wait for these. */
    private static long advisoryKey(TableNames names) {
        return PgAdvisoryLock.key("tasks_mi", names.qualifiedPrefix());
    }

    /** An interrupted concurrent build leaves an invalid index that IF NOT EXISTS would keep: drop it. */
    @Override
    public void beforeMigrationStatement(Connection c, TableNames names, String statement) throws SQLException {
        Matcher m = CONCURRENT_INDEX.matcher(statement.trim());
        if (!m.matches()) {
            return;
        }
        String index = m.group(1).toLowerCase(Locale.ROOT);
        boolean invalid;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE c.relname = ? AND n.nspname = COALESCE(?, current_schema()) AND NOT i.indisvalid")) {
            ps.setString(1, index);
            ps.setString(2, names.schema == null ? null : names.schema.toLowerCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                invalid = rs.next();
            }
        }
        if (invalid) {
            JdbcMigrations.droppingInvalidIndex(names, index);
            try (Statement st = c.createStatement()) {
                st.execute("DROP INDEX CONCURRENTLY IF EXISTS " + (names.schema == null ? "" : names.schema + ".") + index);
            }
        }
    }

    // --------------------------------------------------------------------------------------- messages

    @Override
    public void insert(Connection c, SqlStatements sql, List<OutboundMessage> messages, long[] runAts, long now,
            Set<String> ready, String channel) throws SQLException {
        int n = messages.size();
        String[] queues = new String[n];
        String[] ids = new String[n];
        Integer[] priorities = new Integer[n];
        Long[] due = new Long[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            OutboundMessage m = messages.get(i);
            queues[i] = m.queue();
            ids[i] = m.id();
            priorities[i] = m.priority();
            due[i] = runAts[i];
            payloads[i] = m.payload();
        }
        String text = ready.isEmpty() ? sql.get("insert") : sql.get("insert") + ";\n" + sql.get("notify");
        try (PreparedStatement ps = c.prepareStatement(text)) {
            ps.setLong(1, now);
            ps.setLong(2, now);
            ps.setArray(3, c.createArrayOf("varchar", queues));
            ps.setArray(4, c.createArrayOf("varchar", ids));
            ps.setArray(5, c.createArrayOf("int4", priorities));
            ps.setArray(6, c.createArrayOf("int8", due));
            ps.setArray(7, c.createArrayOf("text", payloads));
            if (!ready.isEmpty()) {
                ps.setString(8, channel);
                ps.setArray(9, c.createArrayOf("varchar", ready.toArray(new String[0])));
            }
            ps.execute();
            drain(ps);
        }
    }

    @Override
    public void registerQueues(Connection c, SqlStatements sql, List<String> queues, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("register_queues"))) {
            ps.setLong(1, now);
            ps.setArray(2, c.createArrayOf("varchar", queues.toArray(new String[0])));
            ps.executeUpdate();
        }
    }

    @Override
    public List<ClaimedRow> claim(Database db, String what, List<String> queues, int perQueue, int max, long now,
            long until, long token) {
        return db.run(what, c -> claim(c, db.sql, queues, perQueue, max, now, until, token));
    }

    private static List<ClaimedRow> claim(Connection c, SqlStatements sql, List<String> queues, int perQueue, int max,
            long now, long until, long token) throws SQLException {
        boolean one = queues.size() == 1;
        // Promotion of due delayed rows and expired leases, then the claim: one round trip.
        try (PreparedStatement ps = c.prepareStatement(sql.get("promote") + ";\n"
                + sql.get(one ? "claim_one" : "claim_many"))) {
            ps.setLong(1, now);
            ps.setLong(2, until);
            ps.setLong(3, token);
            if (one) {
                ps.setString(4, queues.get(0));
                ps.setInt(5, max);
            } else {
                ps.setArray(4, c.createArrayOf("varchar", queues.toArray(new String[0])));
                ps.setInt(5, perQueue);
                ps.setInt(6, max);
            }
            boolean isResult = ps.execute();
            while (!isResult) {
                if (ps.getUpdateCount() == -1) {
                    return List.of();
                }
                isResult = ps.getMoreResults();
            }
            try (ResultSet rs = ps.getResultSet()) {
                return RowwiseDialect.readClaimed(rs);
            }
        }
    }

    @Override
    public int ack(Connection c, SqlStatements sql, List<Receipt> receipts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("ack"))) {
            bindPairs(c, ps, 1, receipts);
            return ps.executeUpdate();
        }
    }

    @Override
    public void release(Connection c, SqlStatements sql, List<Receipt> receipts, Collection<String> queues,
            String channel) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("release") + ";\n" + sql.get("notify"))) {
            bindPairs(c, ps, 1, receipts);
            ps.setString(3, channel);
            ps.setArray(4, c.createArrayOf("varchar", queues.toArray(new String[0])));
            ps.execute();
            drain(ps);
        }
    }

    @Override
    public Set<Receipt> extend(Connection c, SqlStatements sql, List<Receipt> receipts, long until) throws SQLException {
        Set<Receipt> kept = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql.get("extend"))) {
            ps.setLong(1, until);
            bindPairs(c, ps, 2, receipts);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    kept.add(new Receipt(rs.getLong(1), rs.getLong(2)));
                }
            }
        }
        return kept;
    }

    @Override
    public int retry(Connection c, SqlStatements sql, Receipt r, String payload, boolean ready, long runAt,
            String queue, String channel) throws SQLException {
        String text = ready ? sql.get("retry") + ";\n" + sql.get("notify") : sql.get("retry");
        try (PreparedStatement ps = c.prepareStatement(text)) {
            ps.setString(1, payload);
            ps.setBoolean(2, ready);
            ps.setLong(3, runAt);
            ps.setLong(4, runAt);
            ps.setLong(5, r.id());
            ps.setLong(6, r.token());
            if (ready) {
                ps.setString(7, channel);
                ps.setArray(8, c.createArrayOf("varchar", new String[] {queue}));
            }
            ps.execute();
            int count = ps.getUpdateCount();
            drain(ps);
            return count;
        }
    }

    @Override
    public int deadLetter(Connection c, SqlStatements sql, Receipt r, String reason, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("dead_letter"))) {
            ps.setLong(1, r.id());
            ps.setLong(2, r.token());
            ps.setString(3, reason);
            ps.setLong(4, now);
            return ps.executeUpdate();
        }
    }

    @Override
    public int replay(Connection c, SqlStatements sql, String queue, List<Long> ids, long now, String channel)
            throws SQLException {
        String text = sql.get(ids == null ? "replay_all" : "replay_ids") + ";\n" + sql.get("notify");
        try (PreparedStatement ps = c.prepareStatement(text)) {
            int i = 1;
            ps.setString(i++, queue);
            if (ids != null) {
                ps.setArray(i++, c.createArrayOf("int8", ids.toArray()));
            }
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            ps.setLong(i++, now);
            ps.setString(i++, channel);
            ps.setArray(i, c.createArrayOf("varchar", new String[] {queue}));
            ps.execute();
            int count = ps.getUpdateCount();
            drain(ps);
            return count;
        }
    }

    // ------------------------------------------------------------------------------------------ stores

    @Override
    public void announceResult(Connection c, SqlStatements sql, String channel, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("result_notify"))) {
            ps.setString(1, channel);
            ps.setString(2, taskId);
            ps.executeQuery().close();
        }
    }

    @Override
    public int chordIncrement(Connection c, SqlStatements sql, String chordId, long expires) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("chord_increment"))) {
            ps.setString(1, chordId);
            ps.setLong(2, expires);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public Long rateAdvance(Connection c, SqlStatements sql, String key, long earliest, long latest, long step)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("rate_advance"))) {
            int i = RowwiseDialect.bindAdvance(ps, earliest, latest, step);
            ps.setString(++i, key);
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

    // ----------------------------------------------------------------------------------------- helpers

    private static void bindPairs(Connection c, PreparedStatement ps, int first, List<Receipt> receipts)
            throws SQLException {
        Long[] ids = new Long[receipts.size()];
        Long[] tokens = new Long[receipts.size()];
        for (int i = 0; i < receipts.size(); i++) {
            ids[i] = receipts.get(i).id();
            tokens[i] = receipts.get(i).token();
        }
        ps.setArray(first, c.createArrayOf("int8", ids));
        ps.setArray(first + 1, c.createArrayOf("int8", tokens));
    }

    /** Reads every remaining result of a multi-statement execution, so errors of later statements surface. */
    private static void drain(PreparedStatement ps) throws SQLException {
        while (true) {
            if (ps.getMoreResults()) {
                ps.getResultSet().close();
            } else if (ps.getUpdateCount() == -1) {
                return;
            }
        }
    }

}
