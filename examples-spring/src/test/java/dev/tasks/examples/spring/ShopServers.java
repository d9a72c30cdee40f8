package dev.tasks.examples.spring;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.opentest4j.TestAbortedException;

/**
 * The servers of the profile tests: {@code TASKS_TEST_JDBC_URL} and {@code TASKS_TEST_REDIS_URL}, with local
 * defaults. Unreachable fails under {@code CI=true} and skips otherwise.
 */
final class ShopServers {
    private ShopServers() {}

    static String postgresUrl() {
        String url = env("TASKS_TEST_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
            return url;
        } catch (SQLException e) {
            throw unavailable("PostgreSQL is unreachable: " + e.getMessage());
        }
    }

    /** {@code url} with {@code currentSchema} set to a new, empty schema. */
    static String freshSchemaUrl(String url) {
        String schema = "shop_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + ": " + e.getMessage(), e);
        }
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    static String redisUrl() {
        String url = env("TASKS_TEST_REDIS_URL", "redis://127.0.0.1:6379");
        URI uri = URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), 2000);
            return url;
        } catch (IOException e) {
            throw unavailable("Redis is unreachable at " + uri.getHost() + ":" + uri.getPort() + ": " + e.getMessage());
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
