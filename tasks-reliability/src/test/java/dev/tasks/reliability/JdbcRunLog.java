package dev.tasks.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link RunLog} in a SQL table {@code (k, n)}, upserted per run; URL {@code runlog:<jdbc url>|<table>}
 * (PostgreSQL: {@code INSERT ... ON CONFLICT}; H2: {@code MERGE}).
 */
final class JdbcRunLog implements RunLog {
    static final String SCHEME = "runlog:";

    private final HikariDataSource pool;
    private final String table;
    private final boolean postgres;

    private JdbcRunLog(HikariDataSource pool, String table, boolean postgres) {
        this.pool = pool;
        this.table = table;
        this.postgres = postgres;
    }

    static String url(String jdbcUrl, String table) {
        return SCHEME + jdbcUrl + "|" + table;
    }

    static JdbcRunLog open(String url) {
        String rest = url.substring(SCHEME.length());
        int bar = rest.lastIndexOf('|');
        String jdbcUrl = rest.substring(0, bar);
        String table = rest.substring(bar + 1);
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setMaximumPoolSize(4);
        cfg.setMinimumIdle(0);
        cfg.setPoolName("runlog");
        cfg.setConnectionTimeout(5000);
        JdbcRunLog log = new JdbcRunLog(new HikariDataSource(cfg), table, jdbcUrl.startsWith("jdbc:postgresql:"));
        log.create();
        return log;
    }

    private void create() {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " (k VARCHAR(200) PRIMARY KEY, n INTEGER NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create run log table " + table, e);
        }
    }

    @Override
    public void record(String key) {
        String sql = postgres
                ? "INSERT INTO " + table + " (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = " + table + ".n + 1"
                : "MERGE INTO " + table + " t USING (VALUES (CAST(? AS VARCHAR(200)))) s(k) ON t.k = s.k"
                        + " WHEN MATCHED THEN UPDATE SET n = t.n + 1 WHEN NOT MATCHED THEN INSERT (k, n) VALUES (s.k, 1)";
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record a run of " + key, e);
        }
    }

    @Override
    public Map<String, Long> runs() {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT k, n FROM " + table)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Override
    public long distinct() {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
