package dev.tasks.spring;

import com.zaxxer.hikari.HikariDataSource;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.opentest4j.TestAbortedException;

/**
 * The servers of these tests: {@code TASKS_TEST_JDBC_URL} and {@code TASKS_TEST_REDIS_URL}, with local
 * defaults. Unreachable fails under {@code CI=true} and skips otherwise.
 */
final class TestServers {
    private TestServers() {}

    static String postgresUrl() {
        String url = env("TASKS_TEST_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
            return url;
        } catch (SQLException e) {
            throw unavailable("PostgreSQL is unreachable: " + e.getMessage());
        }
    }

    static String redisUrl() {
        String url = env("TASKS_TEST_REDIS_URL", "redis://127.0.0.1:6379");
        URI uri = URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), 2000);
            return url;
        } catch (java.io.IOException e) {
            throw unavailable("Redis is unreachable at " + uri.getHost() + ":" + uri.getPort() + ": " + e.getMessage());
        }
    }

    /** A small pool on {@code url}, its connections in {@code schema} when it is not null. */
    static HikariDataSource pool(String url, String schema) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        if (schema != null) {
            ds.setSchema(schema);
        }
        ds.setMaximumPoolSize(4);
        return ds;
    }

    static String freshSchema(String url) {
        String schema = "spring_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute(url, "CREATE SCHEMA " + schema);
        return schema;
    }

    static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static RuntimeException unavailable(String what) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(what + " (required under CI=true)");
        }
        return new TestAbortedException(what + ", skipping");
    }
}
