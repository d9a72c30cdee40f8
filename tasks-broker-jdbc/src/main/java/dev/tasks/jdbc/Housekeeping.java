package dev.tasks.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * and every claim walks past more of them, so fetching gets slower the more tasks went through. Then the
 * broker vacuums a table itself once it holds {@value #VACUUM_MIN_DEAD} dead rows (plus
 * {@value #VACUUM_SCALE} of its live ones), one process at a time (an advisory lock), and says so once.
 */
final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    static final long VACUUM_MIN_DEAD = 20_000;
    static final double VACUUM_SCALE = 0.05;

    private final Database db;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private volatile Boolean autovacuum;

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
        if (vacuumCheck != null && db.dialect == Dialect.POSTGRESQL) {
            long v = vacuumCheck.toMillis();
            executor.scheduleWithFixedDelay(this::vacuumIfNeeded, 0, v, TimeUnit.MILLISECONDS);
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
     * When autovacuum is off: vacuums each broker table holding enough dead rows.
     *
     * @return the tables vacuumed
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
                if (!autovacuum) {
                    log.warn("autovacuum is off on {}: the broker vacuums its own tables when they hold {} dead rows"
                            + " or more; turn autovacuum on to leave it to PostgreSQL", db.description, VACUUM_MIN_DEAD);
                }
            }
            if (autovacuum) {
                return vacuumed;
            }
            for (String table : churningTables()) {
                if (vacuumIfDue(table)) {
                    vacuumed.add(table);
                }
            }
        } catch (Throwable t) {
            log.warn("vacuuming the tables of {} failed; trying again later: {}", db.description, t.getMessage());
        }
        return vacuumed;
    }

    private boolean vacuumIfDue(String table) {
        return db.run("vacuuming " + table, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT n_dead_tup, n_live_tup FROM pg_stat_all_tables"
                    + " WHERE relid = to_regclass(?)")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getLong(1) < VACUUM_MIN_DEAD + VACUUM_SCALE * rs.getLong(2)) {
                        return false;
                    }
                }
            }
            long key = advisoryKey(table);
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return false; // another process is vacuuming it
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                long t0 = System.nanoTime();
                st.execute("VACUUM (ANALYZE) " + table);
                log.debug("vacuumed {} in {} ms", table, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                return true;
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    ps.setLong(1, key);
                    ps.execute();
                }
            }
        });
    }

    private static long advisoryKey(String table) {
        long h = 0x7461736b735f7661L; // "tasks_va"
        for (char ch : table.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
            h = h * 31 + ch;
        }
        return h;
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
            log.warn("housekeeping of {} failed; trying again later: {}", db.description, t.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
