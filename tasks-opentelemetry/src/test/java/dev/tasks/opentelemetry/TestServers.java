package dev.tasks.opentelemetry;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import redis.clients.jedis.RedisClient;

/** The Redis and PostgreSQL servers of the tests: skipped when missing, failing under {@code CI=true}. */
final class TestServers {
    private TestServers() {}

    static String redisUrl() {
        String env = System.getenv("TASKS_TEST_REDIS_URL");
        String url = env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
        try (RedisClient c = RedisClient.create(url)) {
            c.ping();
        } catch (RuntimeException e) {
            unreachable("Redis", e.toString());
        }
        return url;
    }

    static String postgresUrl() {
        String env = System.getenv("TASKS_TEST_JDBC_URL");
        String url = env == null || env.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : env;
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
        } catch (SQLException e) {
            unreachable("PostgreSQL", e.getMessage());
        }
        return url;
    }

    static String freshPostgresSchema() {
        String schema = "ot_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute("CREATE SCHEMA " + schema);
        return schema;
    }

    static void dropPostgresSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(postgresUrl()); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void unreachable(String server, String problem) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(server + " for tests is unreachable under CI=true: " + problem);
        }
        assumeTrue(false, server + " for tests is unreachable, skipping: " + problem);
    }
}
