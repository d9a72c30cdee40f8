package dev.tasks.beat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import redis.clients.jedis.RedisClient;

/**
 * The Redis, PostgreSQL and MariaDB servers of the beat tests: from {@code TASKS_TEST_REDIS_URL},
 * {@code TASKS_TEST_JDBC_URL} and {@code TASKS_TEST_MARIADB_URL} (local defaults). Unreachable: the test fails under {@code CI=true} and is
 * skipped otherwise.
 */
final class TestServers {
    private TestServers() {}

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static void unreachable(String what, Exception e) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(what + " for tests is unreachable under CI=true: " + e.getMessage(), e);
        }
        assumeTrue(false, what + " for tests is unreachable, skipping: " + e.getMessage());
    }

    static String redisUrl() {
        String url = env("TASKS_TEST_REDIS_URL", "redis://127.0.0.1:6379");
        try (RedisClient c = RedisClient.create(url)) {
            c.ping();
        } catch (RuntimeException e) {
            unreachable("Redis", e);
        }
        return url;
    }

    static void deleteRedisKeys(String prefix) {
        try (RedisClient c = RedisClient.create(redisUrl())) {
            for (String key : c.keys(prefix + "*")) {
                c.del(key);
            }
        }
    }

    static String postgresUrl() {
        return env("TASKS_TEST_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    }

    static String freshPostgresSchema() {
        String schema = "beat_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        execute("create schema " + schema);
        return schema;
    }

    static void dropPostgresSchema(String schema) {
        if (schema != null) {
            execute("drop schema if exists " + schema + " cascade");
        }
    }

    static String mariaDbUrl() {
        return env("TASKS_TEST_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
    }

    /** A fresh MariaDB database (what a schema is there). */
    static String freshMariaDbDatabase() {
        String database = "beat_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        execute(mariaDbUrl(), "MariaDB", "create database " + database);
        return database;
    }

    static void dropMariaDbDatabase(String database) {
        if (database != null) {
            execute(mariaDbUrl(), "MariaDB", "drop database if exists " + database);
        }
    }

    private static void execute(String sql) {
        execute(postgresUrl(), "PostgreSQL", sql);
    }

    private static void execute(String url, String what, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            unreachable(what, e);
        }
    }
}
