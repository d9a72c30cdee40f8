package dev.tasks.jdbc;

import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired results and idempotency keys once in a while, on one named daemon thread; on PostgreSQL
 * with autovacuum turned off, also vacuums the broker's tables.
 *
 * <p>Every claim and every ack leaves a dead row version behind. Autovacuum removes them (the migrations set
 * low scale factors on the busy tables); when it is off, dead versions pile up in the ready-message index
 * and every claim walks past more of them, so fetching gets slower the more tasks went through; and no
 * statistics are gathered, so the planner keeps judging a table by the size it had long ago. Then the
 * broker vacuums a table itself once it holds {@value #VACUUM_MIN_DEAD} dead rows (plus
 * {@value #VACUUM_SCALE} of its live ones), or analyzes it once as many rows changed since the last
 * analysis, one process at a time (an advisory lock), and says so once per database.
 */
final class Housekeeping implements AutoCloseable {
    private static final Logger log = LogSafe.logger(Housekeeping.class);

    static final long VACUUM_MIN_DEAD = 20_000;
    static final double VACUUM_SCALE = 0.05;

    private final Database db;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile Boolean autovacuum;
    private volatile boolean closing;
    /** Databases already warned about, so that several brokers of one process say it once. */
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param vacuumCheck how often to look at dead-row counts (PostgreSQL only), or null never to vacuum
     */
    Housekeeping(Database db, Clock clock, String threadName, Duration interval, Duration vacuumCheck) {
        this.db = db;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
        if (vacuumCheck != null && db.dialect.vacuums()) {
            long v = vacuumCheck.toMillis();
            executor.scheduleWithFixedDelay(this::vacuumIfNeeded, v, v, TimeUnit.MILLISECONDS);
        }
    }

    /** Overrides what the server's autovacuum setting was read as (tests cannot change the server's). */
    void assumeAutovacuum(boolean on) {
        autovacuum = on;
    }

    /** The tables whose rows churn: every task passes through the first one. */
    private List<String> churningTables() {
        return List.of(db.names.messages, db.names.outbox, db.names.results, db.names.idempotency);
    }

    /**
     * When autovacuum is off: vacuums each broker table holding enough dead rows, and analyzes each one in
     * which enough rows changed since its last analysis.
     *
     * @return the tables vacuumed or analyzed
     */
    List<String> vacuumIfNeeded() {
        List<String> vacuumed = new ArrayList<>();
        try {
            if (autovacuum == null) {
                autovacuum = db.run("reading the autovacuum setting", c -> {
                    try (Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT current_setting('autovacuum')::boolean")) {
                        return rs.next() && rs.getBoolean(1);
                    }
                });
                if (!autovacuum && WARNED.add(db.description)) {
                    log.warn("autovacuum is off on {}: the broker vacuums its own tables when they hold {} dead rows"
                            + " or more; turn autovacuum on to leave it to PostgreSQL", db.description, VACUUM_MIN_DEAD);
                }
            }
            if (autovacuum) {
                return vacuumed;
            }
            Map<String, String> due = db.run("reading dead-row counts", this::dueTables);
            for (Map.Entry<String, String> e : due.entrySet()) {
                if (db.run("vacuuming " + e.getKey(), c -> runExclusively(c, e.getValue(), e.getKey()))) {
                    vacuumed.add(e.getKey());
                }
            }
        } catch (Throwable t) {
            if (!closing) {
                log.warn("vacuuming the tables of {} failed; trying again later: {}", db.description, t.getMessage());
            }
        }
        return vacuumed;
    }

    /** The broker tables that need it, in one query: table to {@code VACUUM (ANALYZE) } or {@code ANALYZE }. */
    private Map<String, String> dueTables(Connection c) throws SQLException {
        List<String> tables = churningTables();
        Map<String, String> due = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT t.name, s.n_dead_tup, s.n_live_tup, s.n_mod_since_analyze"
                + " FROM unnest(?::text[]) WITH ORDINALITY AS t(name, ord)"
                + " JOIN pg_stat_all_tables s ON s.relid = to_regclass(t.name) ORDER BY t.ord")) {
            ps.setArray(1, c.createArrayOf("text", tables.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double threshold = VACUUM_MIN_DEAD + VACUUM_SCALE * rs.getLong(3);
                    if (rs.getLong(2) >= threshold) {
                        due.put(rs.getString(1), "VACUUM (ANALYZE) ");
                    } else if (rs.getLong(4) >= threshold) {
                        due.put(rs.getString(1), "ANALYZE ");
                    }
                }
            }
        }
        return due;
    }

    /** Runs {@code command} on {@code table} unless another process holds its lock; true if it ran. */
    private static boolean runExclusively(Connection c, String command, String table) throws SQLException {
        long key = PgAdvisoryLock.key("tasks_va", table);
        if (!PgAdvisoryLock.tryLock(c, key)) {
            return false; // another process is vacuuming it
        }
        try (Statement st = c.createStatement()) {
            long t0 = System.nanoTime();
            st.execute(command + table);
            log.debug("{}{} took {} ms", command, table, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            return true;
        } finally {
            PgAdvisoryLock.unlock(c, key);
        }
    }

    void runOnce() {
        try {
            long now = clock.millis();
            int deleted = db.run("deleting expired results and idempotency keys", c -> {
                int n = 0;
                for (String table : new String[] {db.names.results, db.names.idempotency}) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at < ?")) {
                        ps.setLong(1, now);
                        n += ps.executeUpdate();
                    }
                }
                return n;
            });
            if (deleted > 0) {
                log.debug("deleted {} expired results and idempotency keys", deleted);
            }
        } catch (Throwable t) {
            if (!closing) {
                log.warn("housekeeping of {} failed; trying again later: {}", db.description, t.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        // No interrupt: H2 closes its database file for the whole process when a thread reading it is
        // interrupted. A vacuum or delete in progress finishes before the pool closes under it.
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
