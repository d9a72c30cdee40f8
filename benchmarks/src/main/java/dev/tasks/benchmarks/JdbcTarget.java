package dev.tasks.benchmarks;

import dev.tasks.Brokers;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** A SQL broker (PostgreSQL, MariaDB or H2) on tables with a fresh prefix per run, dropped at the end. */
final class JdbcTarget implements Target {
    private static final long STATS_FLUSH_MILLIS = 1_100;
    /** Snapshots taken so far (each takes a transaction id). */
    private long snapshots;
    private final String name;
    private final String url;
    private final String prefix = "bench_" + UUID.randomUUID().toString().substring(0, 8) + "_";

    JdbcTarget(String name, String url) throws SQLException {
        this.name = name;
        this.url = url;
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(5);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Broker open() {
        return Brokers.open(new BrokerSettings(url, Clock.systemUTC(), Map.of("jdbc.tablePrefix", prefix)));
    }

    @Override
    public Map<String, String> properties() {
        return Map.of("tasks.broker.url", url, "tasks.jdbc.tablePrefix", prefix);
    }

    @Override
    public String throughputLimit() {
        return "postgres".equals(name) ? Limits.PG_CLAIM : Limits.REDIS_XADD;
    }

    @Override
    public String latencyLimit() {
        return "postgres".equals(name) ? Limits.PG_CLAIM_C1_LATENCY : Limits.REDIS_XADD_C1_P50;
    }

    /**
     * PostgreSQL's own counters for the database: {@code transactions} (write transactions: the transaction ids
     * assigned, read at once, less the one this snapshot takes), {@code wal_bytes} (WAL written, from the
     * current WAL position), {@code rows_written} (inserted, updated, deleted), {@code database_transactions}
     * (every transaction of this database, read-only ones too), {@code wal_syncs} (WAL flushes
     * to disk) and {@code server_cpu_micros} (every {@code postgres} process on this machine). The last two
     * statistics come from the backends' reports, sent about once a second when idle but up to ten seconds
     * late after a burst, so a snapshot first waits a second and they may still lag on short runs.
     */
    @Override
    public Optional<ServerCounters> counters() {
        if (!"postgres".equals(name)) {
            return Optional.empty();
        }
        return Optional.of(this::pgSnapshot);
    }

    private Map<String, Long> pgSnapshot() {
        try {
            Thread.sleep(STATS_FLUSH_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT txid_current(), pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,"
                    + " (SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database"
                    + " WHERE datname = current_database())")) {
                rs.next();
                // txid_current() assigns this snapshot an id of its own: the next snapshot's count includes it.
                out.put("transactions", rs.getLong(1) - snapshots++);
                out.put("wal_bytes", rs.getLong(2));
                out.put("rows_written", rs.getLong(3));
            }
            try (ResultSet rs = st.executeQuery("SELECT xact_commit + xact_rollback FROM pg_stat_database"
                    + " WHERE datname = current_database()")) {
                // Every transaction of this database, read-only ones too (the statistics lag as above).
                rs.next();
                out.put("database_transactions", rs.getLong(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT wal_sync FROM pg_stat_wal")) {
                if (rs.next()) {
                    out.put("wal_syncs", rs.getLong(1));
                }
            } catch (SQLException e) {
                // pg_stat_wal is PostgreSQL 14 or later.
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read PostgreSQL statistics: " + e.getMessage(), e);
        }
        Procs.cpuMicrosOf("postgres").ifPresent(cpu -> out.put("server_cpu_micros", cpu));
        return out;
    }

    /** Bytes of this run's tables (PostgreSQL: {@code pg_total_relation_size}, tables, indexes and TOAST). */
    @Override
    public Optional<Long> storedBytes(List<String> queues) {
        if (!"postgres".equals(name)) {
            return Optional.empty();
        }
        long total = 0;
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String t : tables(c)) {
                try (ResultSet rs = st.executeQuery("SELECT pg_total_relation_size('" + t + "')")) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read table sizes: " + e.getMessage(), e);
        }
        return Optional.of(total);
    }

    @Override
    public void drop(List<String> queues) {
        try (Broker b = open()) {
            for (String q : queues) {
                b.purge(q);
                b.purgeDeadLetters(q);
            }
        }
    }

    private List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        String pattern = c.getMetaData().storesUpperCaseIdentifiers() ? prefix.toUpperCase(Locale.ROOT) : prefix;
        try (ResultSet rs = c.getMetaData().getTables(null, null, pattern.replace("_", "\\_") + "%",
                new String[] {"TABLE"})) {
            while (rs.next()) {
                out.add(rs.getString("TABLE_NAME"));
            }
        }
        return out;
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String t : tables(c)) {
                st.execute("DROP TABLE IF EXISTS " + t + ("postgres".equals(name) ? " CASCADE" : ""));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the benchmark tables " + prefix + "*: " + e.getMessage(), e);
        }
    }
}
