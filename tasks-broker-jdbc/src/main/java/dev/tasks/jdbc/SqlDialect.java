package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What differs between the SQL databases the JDBC broker runs on: one implementation per database
 * ({@link PostgresDialect}, {@link MariaDbDialect}, {@link H2Dialect}), found by {@link SqlDialects}. The
 * statements themselves are in the dialect's SQL file (see {@link SqlStatements}); a dialect binds them and
 * runs the steps its database needs around them. Everything outside the dialect classes is the same for
 * every database and never asks which one it talks to.
 *
 * <p>The operations on messages keep the broker's promises on every dialect: a claim takes each due row
 * once (a row locked or claimed by another consumer is skipped, never waited for nor taken twice), settles
 * only rows whose lease token still matches, and a dead-lettering or replay moves a row in one transaction.
 * An instance belongs to one broker (it may hold state such as H2's claim lock); thread-safe.
 */
interface SqlDialect {

    /** The database's name, for logs and messages. */
    String name();

    /** The folder of this dialect's migration scripts and the name of its SQL file. */
    String folder();

    // ------------------------------------------------------------------------------------ connections

    /**
     * Adjusts a pool opened for {@code url}; returns what to do with the pool once it is open, or null.
     */
    default Consumer<HikariDataSource> configurePool(HikariConfig config, String url) {
        return null;
    }

    /** Called once when a broker opens the database behind {@code c} ({@code where} names it). */
    default void opened(Connection c, String where) {}

    /** Whether enqueues and final results are announced to other processes (LISTEN/NOTIFY). */
    default boolean notifies() {
        return false;
    }

    /** Whether the broker watches dead rows and vacuums its own tables when the server does not. */
    default boolean vacuums() {
        return false;
    }

    /** Whether table {@code table} (a bare name: prefix and base) exists in the schema of {@code names}. */
    default boolean tableExists(Connection c, TableNames names, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, metaSchema(c, md, names), metaName(md, table), null)) {
            return rs.next();
        }
    }

    /** Whether {@code table} has {@code column}. */
    default boolean columnExists(Connection c, TableNames names, String table, String column) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getColumns(null, metaSchema(c, md, names), metaName(md, table), metaName(md, column))) {
            return rs.next();
        }
    }

    private static String metaSchema(Connection c, DatabaseMetaData md, TableNames names) throws SQLException {
        return names.schema == null ? c.getSchema() : metaName(md, names.schema);
    }

    static String metaName(DatabaseMetaData md, String name) throws SQLException {
        return md.storesUpperCaseIdentifiers() ? name.toUpperCase(Locale.ROOT) : name.toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------------------------- migrations

    /** Makes what the migration lock needs (the schema, a lock row); may race with other processes. */
    void prepareMigrationLock(Connection c, TableNames names) throws SQLException;

    /** Takes the migration lock of {@code names} for {@code owner} if free; never waits. */
    boolean tryLockMigrations(Connection c, TableNames names, String owner, long now, long leaseMillis)
            throws SQLException;

    void unlockMigrations(Connection c, TableNames names, String owner) throws SQLException;

    /** Called before each statement of a migration script runs. */
    default void beforeMigrationStatement(Connection c, TableNames names, String statement) throws SQLException {}

    // --------------------------------------------------------------------------------------- messages

    /**
     * Inserts the messages (due at {@code runAts[i]}) without committing, and announces {@code ready} queues
     * where the dialect {@link #notifies()}.
     */
    void insert(Connection c, SqlStatements sql, List<OutboundMessage> messages, long[] runAts, long now,
            Set<String> ready, String channel) throws SQLException;

    /** Registers queue names (a name that exists already is no error). */
    void registerQueues(Connection c, SqlStatements sql, List<String> queues, long now) throws SQLException;

    /**
     * Promotes due delayed rows and expired leases, then claims up to {@code max} ready rows of the queues
     * (at most {@code perQueue} from each when there are several), leasing them until {@code until} with
     * {@code token}. Rows come back in any order.
     */
    List<ClaimedRow> claim(Database db, String what, List<String> queues, int perQueue, int max, long now, long until,
            long token);

    /** Deletes the rows whose lease tokens still match; returns how many. */
    int ack(Connection c, SqlStatements sql, List<Receipt> receipts) throws SQLException;

    /** Makes the rows whose tokens still match ready again, and announces their queues. */
    void release(Connection c, SqlStatements sql, List<Receipt> receipts, Collection<String> queues, String channel)
            throws SQLException;

    /** Extends the leases of the rows whose tokens still match; returns those. */
    Set<Receipt> extend(Connection c, SqlStatements sql, List<Receipt> receipts, long until) throws SQLException;

    /**
     * Replaces the payload of a leased row and schedules it again (announcing its queue when it is due
     * now); returns how many rows changed (0: the lease was lost).
     */
    int retry(Connection c, SqlStatements sql, Receipt r, String payload, boolean ready, long runAt, String queue,
            String channel) throws SQLException;

    /** Moves a leased row to the dead letters in one transaction; returns how many moved (0 or 1). */
    int deadLetter(Connection c, SqlStatements sql, Receipt r, String reason, long now) throws SQLException;

    /** Moves dead letters of a queue (all, or those with {@code ids}) back to it, due now; returns how many. */
    int replay(Connection c, SqlStatements sql, String queue, List<Long> ids, long now, String channel)
            throws SQLException;

    // ------------------------------------------------------------------------------------------ stores

    /** Announces the final result of {@code taskId} on {@code channel} where the dialect {@link #notifies()}. */
    default void announceResult(Connection c, SqlStatements sql, String channel, String taskId) throws SQLException {}

    /** Counts one more member of a chord whose member row was just inserted; returns the new count. */
    int chordIncrement(Connection c, SqlStatements sql, String chordId, long expires) throws SQLException;

    /**
     * Records a revocation in one transaction: {@code terminate} stays set while an earlier, unexpired
     * revocation had it. By default one upsert, {@code revoke} (task id, terminate, expiry, now).
     */
    default int revoke(Connection c, SqlStatements sql, String taskId, boolean terminate, long expires, long now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.get("revoke"))) {
            ps.setString(1, taskId);
            ps.setBoolean(2, terminate);
            ps.setLong(3, expires);
            ps.setLong(4, now);
            return ps.executeUpdate();
        }
    }

    /**
     * On rate row {@code key}: when {@code max(next, earliest) <= latest}, moves it to that plus {@code step},
     * atomically; returns the value before, or null when the row is missing.
     */
    Long rateAdvance(Connection c, SqlStatements sql, String key, long earliest, long latest, long step)
            throws SQLException;

    /** Deletes the outbox rows with these ids. */
    void deleteOutboxRows(Connection c, SqlStatements sql, List<Long> ids) throws SQLException;
}
