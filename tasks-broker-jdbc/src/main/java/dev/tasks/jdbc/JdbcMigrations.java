package dev.tasks.jdbc;

import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.support.LogSafe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the broker's tables: versioned scripts shipped in this jar
 * ({@code dev/tasks/jdbc/migrations/<dialect>/V<n>__<description>.sql}), recorded in the
 * {@code <prefix>schema_version} table. The {@code tasks migrate} command and {@link JdbcBroker} (when
 * {@code jdbc.autoMigrate} is on, the default) call it.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Safe from several processes at once: on PostgreSQL runs are serialized by an advisory lock, on
 *       MariaDB/MySQL by a named lock ({@code GET_LOCK}), on H2 by a lease row; each version is applied once.</li>
 *   <li>Online-safe on PostgreSQL: statements run outside transactions, indexes are built with
 *       {@code CREATE INDEX CONCURRENTLY} (an invalid index left by an interrupted build is dropped and
 *       rebuilt), and scripts only add tables, columns and indexes, so running workers keep working.</li>
 *   <li>Expand and contract: each version records the oldest code version that can still run against it
 *       (the code's version is the highest schema version it knows). A migration that only adds keeps that
 *       minimum, so older code that restarts after it runs against the newer schema; a contracting
 *       migration raises it, and is applied only by {@link #migrateAndContract()}, which first checks that
 *       no live worker announced an older version. Code refuses, with a {@link ConfigurationException}
 *       naming the versions, only a schema whose minimum is above its own version.</li>
 * </ul>
 * The rules for writing migrations are in docs/deploying.md ("Broker schema migrations").
 * Instances are immutable and thread-safe.
 */
public final class JdbcMigrations {
    private static final Logger log = LogSafe.logger(JdbcMigrations.class);

    /** The newest schema version this release knows (and {@link #migrate()} installs): its code version. */
    public static final int LATEST_VERSION = 3;

    private static final Duration LOCK_WAIT = Duration.ofMinutes(5);
    /** How long a lock row (where the dialect locks with one) stays taken by a process that died holding it. */
    private static final Duration LOCK_LEASE = Duration.ofMinutes(10);

    private final DataSource dataSource;
    private final TableNames names;
    private final Clock clock;
    private final MigrationPlan plan;

    private JdbcMigrations(DataSource dataSource, TableNames names, Clock clock, MigrationPlan plan) {
        this.dataSource = dataSource;
        this.names = names;
        this.clock = clock;
        this.plan = plan;
    }

    /** Starts a migration runner for the database behind {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    static JdbcMigrations of(DataSource dataSource, TableNames names, Clock clock) {
        return new JdbcMigrations(dataSource, names, clock, MigrationPlan.current());
    }

    static JdbcMigrations of(DataSource dataSource, TableNames names, Clock clock, MigrationPlan plan) {
        return new JdbcMigrations(dataSource, names, clock, plan);
    }

    /** The schema versions this code knows. */
    MigrationPlan plan() {
        return plan;
    }

    /**
     * What a migration run did.
     *
     * @param fromVersion the schema version found (0: no schema)
     * @param toVersion the schema version left
     */
    public record Result(int fromVersion, int toVersion) {
        /** How many versions were applied by this run. */
        public int applied() {
            return toVersion - fromVersion;
        }
    }

    /**
     * Applies the pending expanding migrations (those that only add), waiting (up to 5 minutes) for a
     * concurrent run in another process to finish first. Stops before a contracting migration: those are
     * applied only by {@link #migrateAndContract()}. A schema newer than this code is left as it is when it
     * still admits this code's version.
     *
     * @throws ConfigurationException if the schema is newer than this code and no longer admits it, or if a
     *     contracting migration this code needs has not been applied
     * @throws BrokerException if the database fails
     */
    public Result migrate() {
        return run(false);
    }

    /**
     * Applies every pending migration, the contracting ones too: the explicit step of a contraction
     * ({@code tasks migrate --contract}), taken once no process of an older version runs. Before each
     * contracting migration it checks the workers' announcements (see docs/deploying.md) and refuses while a
     * live worker announced a version that the contracted schema no longer admits.
     *
     * @throws ConfigurationException if the schema is newer than this code and no longer admits it, or a
     *     live worker is too old for a contracting migration
     * @throws BrokerException if the database fails
     */
    public Result migrateAndContract() {
        return run(true);
    }

    private Result run(boolean contract) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            SqlDialect dialect = SqlDialects.of(c);
            String owner = UUID.randomUUID().toString();
            lock(c, dialect, owner);
            try {
                createVersionTable(c, dialect);
                int from = readVersion(c);
                if (from > plan.latest()) {
                    admitNewer(c, dialect, from);
                    return new Result(from, from);
                }
                recordCompatibility(c, from);
                int to = from;
                for (int v = from + 1; v <= plan.latest(); v++) {
                    Migration m = plan.migration(v);
                    if (m.contracting() && !contract) {
                        break;
                    }
                    if (m.contracting()) {
                        refuseOlderWorkers(c, dialect, m);
                    }
                    apply(c, dialect, m);
                    to = v;
                }
                if (to < plan.required()) {
                    Migration next = plan.migration(to + 1);
                    throw new ConfigurationException("the tasks schema " + names + " is at version " + to
                            + " but this tasks-broker-jdbc needs version " + plan.required() + ", and version "
                            + next.version() + " (" + next.script() + ") contracts it: run 'tasks migrate --contract'"
                            + " once no process older than version " + next.compatibleFrom() + " runs");
                }
                if (to < plan.latest()) {
                    Migration next = plan.migration(to + 1);
                    log.info("tasks schema {}: version {} ({}) contracts the schema and is not applied automatically;"
                            + " run 'tasks migrate --contract' once no process older than version {} runs", names,
                            next.version(), next.script(), next.compatibleFrom());
                }
                if (from < to) {
                    log.info("tasks schema {} migrated from version {} to {}", names, from, to);
                }
                return new Result(from, to);
            } finally {
                unlock(c, dialect, owner);
            }
        } catch (SQLException e) {
            throw new BrokerException("migrating the tasks schema " + names + " failed: " + e.getMessage()
                    + "; the migration can be run again safely", e);
        }
    }

    /** The schema version installed (0 if none). */
    public int currentVersion() {
        try (Connection c = dataSource.getConnection()) {
            return installedVersion(c, SqlDialects.of(c));
        } catch (SQLException e) {
            throw new BrokerException("reading the tasks schema version of " + names + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Checks, without changing anything, that this code can run against the schema: it is at least the
     * version this code needs, and if newer, it still admits this code's version.
     *
     * @throws ConfigurationException naming the versions and what to do when it is missing, older or too new
     */
    public void verify() {
        try (Connection c = dataSource.getConnection()) {
            SqlDialect dialect = SqlDialects.of(c);
            int v = installedVersion(c, dialect);
            if (v > plan.latest()) {
                admitNewer(c, dialect, v);
            } else if (v < plan.required()) {
                throw new ConfigurationException("the tasks schema " + names + " is at version " + v
                        + " but this tasks-broker-jdbc needs version " + plan.required()
                        + "; run 'tasks migrate' or set jdbc.autoMigrate=true");
            }
        } catch (SQLException e) {
            throw new BrokerException("reading the tasks schema version of " + names + " failed: "
                    + e.getMessage(), e);
        }
    }

    private int installedVersion(Connection c, SqlDialect dialect) throws SQLException {
        return dialect.tableExists(c, names, names.prefix + "schema_version") ? readVersion(c) : 0;
    }

    /**
     * Accepts a schema newer than this code when its recorded minimum admits this code's version (an
     * expand migration of a newer release); refuses it otherwise.
     */
    private void admitNewer(Connection c, SqlDialect dialect, int version) throws SQLException {
        Integer compatibleFrom = recordedCompatibleFrom(c, dialect, version);
        if (compatibleFrom == null || compatibleFrom > plan.latest()) {
            throw new ConfigurationException("the tasks schema " + names + " is at version " + version
                    + (compatibleFrom == null ? "" : ", which runs only code of version " + compatibleFrom + " or later,")
                    + " but this tasks-broker-jdbc knows versions up to " + plan.latest()
                    + "; a newer release migrated this database: upgrade tasks-broker-jdbc to run against it");
        }
        log.info("tasks schema {} is at version {}, newer than this code's {}; it still runs code of version {} or"
                + " later, so this process runs against it", names, version, plan.latest(), compatibleFrom);
    }

    private Integer recordedCompatibleFrom(Connection c, SqlDialect dialect, int version) throws SQLException {
        if (!dialect.columnExists(c, names, names.prefix + "schema_version", "compatible_from")) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT compatible_from FROM " + names.schemaVersion
                + " WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                int v = rs.getInt(1);
                return rs.wasNull() ? null : v;
            }
        }
    }

    /** Fills in the minimum of versions recorded before the column existed (all versions this code knows). */
    private void recordCompatibility(Connection c, int upTo) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + names.schemaVersion
                + " SET compatible_from = ? WHERE version = ? AND compatible_from IS NULL")) {
            for (int v = 1; v <= upTo; v++) {
                ps.setInt(1, plan.compatibleFrom(v));
                ps.setInt(2, v);
                ps.executeUpdate();
            }
        }
    }

    private void refuseOlderWorkers(Connection c, SqlDialect dialect, Migration m) throws SQLException {
        if (!dialect.tableExists(c, names, names.prefix + "workers")) {
            return;
        }
        List<String> older = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT worker_id, layout FROM " + names.table("workers")
                + " WHERE expires_at > ? AND layout < ? ORDER BY worker_id")) {
            ps.setLong(1, clock.millis());
            ps.setInt(2, m.compatibleFrom());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && older.size() < 10) {
                    older.add(rs.getString(1) + " (version " + rs.getInt(2) + ")");
                }
            }
        }
        if (!older.isEmpty()) {
            throw new ConfigurationException("not applying " + m.script() + " to the tasks schema " + names
                    + ": it needs code of version " + m.compatibleFrom() + " or later, and live workers run older"
                    + " versions: " + String.join(", ", older) + "; upgrade or stop them, then run it again");
        }
    }

    private void apply(Connection c, SqlDialect dialect, Migration m) throws SQLException {
        String script = m.script();
        int version = m.version();
        String sql = load(dialect, script);
        for (String statement : split(sql)) {
            String s = statement.replace("${t}", names.qualifiedPrefix()).replace("${i}", names.prefix);
            dialect.beforeMigrationStatement(c, names, s);
            try (Statement st = c.createStatement()) {
                st.execute(s);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + names.schemaVersion
                + " (version, description, installed_at, compatible_from) VALUES (?, ?, ?, ?)")) {
            ps.setInt(1, version);
            ps.setString(2, script);
            ps.setLong(3, clock.millis());
            ps.setInt(4, m.compatibleFrom());
            ps.executeUpdate();
        }
        log.info("tasks schema {}: applied {}", names, script);
    }

    /** Logs that an index left invalid by an interrupted build is dropped to be built again. */
    static void droppingInvalidIndex(TableNames names, String index) {
        log.warn("tasks schema {}: dropping invalid index {} left by an interrupted build; rebuilding it", names, index);
    }

    private void createVersionTable(Connection c, SqlDialect dialect) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + names.schemaVersion + " (version INTEGER PRIMARY KEY, "
                    + "description VARCHAR(200) NOT NULL, installed_at BIGINT NOT NULL)");
            // The oldest code version each schema version runs; added to tables of releases before it (under the
            // migration lock, so no other process adds it meanwhile; MySQL has no ADD COLUMN IF NOT EXISTS).
            if (!dialect.columnExists(c, names, names.prefix + "schema_version", "compatible_from")) {
                st.execute("ALTER TABLE " + names.schemaVersion + " ADD COLUMN compatible_from INTEGER");
            }
        }
    }

    private int readVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT MAX(version) FROM " + names.schemaVersion)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    // Locking: polled rather than blocking, so that a waiting process holds no snapshot that a concurrent
    // CREATE INDEX CONCURRENTLY of the lock holder would have to wait for (which would deadlock).

    private void lock(Connection c, SqlDialect dialect, String owner) throws SQLException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        long pause = 10;
        dialect.prepareMigrationLock(c, names);
        boolean waitingLogged = false;
        while (!dialect.tryLockMigrations(c, names, owner, clock.millis(), LOCK_LEASE.toMillis())) {
            if (System.nanoTime() > deadline) {
                throw new BrokerException("another process has been migrating the tasks schema " + names
                        + " for over " + LOCK_WAIT.toMinutes() + " minutes; not migrating concurrently");
            }
            if (!waitingLogged) {
                log.info("tasks schema {}: waiting for a migration running in another process", names);
                waitingLogged = true;
            }
            sleep(pause);
            pause = Math.min(pause * 2, 500);
        }
    }

    private void unlock(Connection c, SqlDialect dialect, String owner) throws SQLException {
        dialect.unlockMigrations(c, names, owner);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException("interrupted while waiting for the tasks schema migration lock", e);
        }
    }

    private static String load(SqlDialect dialect, String script) {
        String path = "migrations/" + dialect.folder() + "/" + script;
        try (InputStream in = JdbcMigrations.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("migration script " + path + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration script " + path, e);
        }
    }

    /** Splits a script at semicolons that end a line, dropping comment lines. */
    static List<String> split(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : script.split("\\R")) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                cur.append(trimmed, 0, trimmed.length() - 1);
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(line).append('\n');
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().trim());
        }
        return out;
    }

    /**
     * Builds a {@link JdbcMigrations}. Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private String schema;
        private String tablePrefix = TableNames.DEFAULT_PREFIX;
        private Clock clock = Clock.systemUTC();

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The schema holding the tables; default: the connection's current schema. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** The table-name prefix; default {@code tasks_}. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Objects.requireNonNull(tablePrefix, "tablePrefix");
            return this;
        }

        /** The clock for the recorded installation time; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the runner.
         *
         * @throws ConfigurationException if the schema or prefix is not a plain identifier
         */
        public JdbcMigrations build() {
            return new JdbcMigrations(dataSource, new TableNames(schema, tablePrefix), clock, MigrationPlan.current());
        }
    }
}
