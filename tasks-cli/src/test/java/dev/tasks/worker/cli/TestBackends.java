package dev.tasks.worker.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tasks.TasksConfig;
import dev.tasks.spi.Broker;
import dev.tasks.Brokers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.RedisClient;

/**
 * The brokers the operator-command tests run on, each as a {@code tasks.properties} file that the commands read
 * with {@code --config} (as an operator's would) and the test's own broker on the same storage: Redis from
 * {@code TASKS_TEST_REDIS_URL} with a key prefix of its own, PostgreSQL from {@code TASKS_TEST_JDBC_URL} with a
 * fresh schema, and an H2 file in a temporary directory. {@link #reachableThrough(String, int)} points the URL at
 * a proxy's port, for tests that cut the link. An unreachable server skips the test, or fails it under
 * {@code CI=true}. {@link Backend#close()} closes the broker and deletes what the test wrote.
 */
final class TestBackends {
    static final String REDIS = "redis";
    static final String POSTGRES = "postgres";
    static final String H2 = "h2";
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?;]+):(\\d+)");

    private TestBackends() {}

    /** One broker of a test: its properties file, URL and the test's own broker on it. */
    record Backend(String kind, String url, Path config, Broker broker, List<Runnable> cleanups)
            implements AutoCloseable {
        @Override
        public void close() {
            broker.close();
            for (Runnable r : cleanups) {
                r.run();
            }
        }
    }

    /** The host and port the URL of {@code kind} connects to (Redis and PostgreSQL). */
    static String[] hostPort(String kind) {
        Matcher m = HOST_PORT.matcher(kind.equals(REDIS) ? redisUrl() : postgresUrl());
        if (!m.find()) {
            throw new IllegalStateException("no host:port in the test URL of " + kind);
        }
        return new String[] {m.group(1), m.group(2)};
    }

    /** A backend of {@code kind} in {@code dir}. */
    static Backend open(String kind, Path dir) {
        return open(kind, dir, -1);
    }

    /**
     * A backend of {@code kind} whose properties file connects through 127.0.0.1:{@code proxyPort} (Redis and
     * PostgreSQL: to the test server; H2: to an H2 TCP server the caller runs on the proxy's target, serving
     * {@code dir}); the test's own broker connects directly.
     */
    static Backend reachableThrough(String kind, Path dir, int proxyPort) {
        return open(kind, dir, proxyPort);
    }

    private static Backend open(String kind, Path dir, int proxyPort) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
        List<Runnable> cleanups = new ArrayList<>();
        String direct;
        String url;
        StringBuilder props = new StringBuilder();
        TasksConfig.Builder own = TasksConfig.builder().environment(java.util.Map.of());
        switch (kind) {
            case REDIS -> {
                direct = redisUrl();
                url = proxyPort < 0 ? direct : HOST_PORT.matcher(direct).replaceFirst("//127.0.0.1:" + proxyPort);
                String prefix = "cli-" + suffix;
                props.append("tasks.redis.keyPrefix=").append(prefix).append('\n');
                own.set("redis.keyPrefix", prefix);
                cleanups.add(() -> deleteRedisKeys(prefix));
            }
            case POSTGRES -> {
                direct = postgresUrl();
                url = proxyPort < 0 ? direct : HOST_PORT.matcher(direct).replaceFirst("//127.0.0.1:" + proxyPort);
                String schema = "cli_" + suffix;
                sql(direct, "CREATE SCHEMA " + schema);
                props.append("tasks.jdbc.schema=").append(schema).append('\n');
                own.set("jdbc.schema", schema);
                cleanups.add(() -> sql(direct, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
            }
            case H2 -> {
                String file = dir.resolve("tasks").toAbsolutePath().toString();
                direct = proxyPort < 0 ? "jdbc:h2:file:" + file + ";AUTO_SERVER=TRUE"
                        : "jdbc:h2:tcp://127.0.0.1:" + proxyPort + "/tasks";
                url = direct;
            }
            default -> throw new IllegalArgumentException(kind);
        }
        props.insert(0, "tasks.broker.url=" + url + "\n");
        Path config = dir.resolve("tasks-" + kind + ".properties");
        try {
            Files.writeString(config, props.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Broker broker = Brokers.open(own.set(TasksConfig.BROKER_URL, direct).build().brokerSettings(Clock.systemUTC()));
        return new Backend(kind, url, config, broker, cleanups);
    }

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

    static String postgresUrl() {
        String url = env("TASKS_TEST_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
        } catch (SQLException e) {
            unreachable("PostgreSQL", e);
        }
        return url;
    }

    private static void deleteRedisKeys(String prefix) {
        try (RedisClient c = RedisClient.create(redisUrl())) {
            for (String key : c.keys(prefix + "*")) {
                c.del(key);
            }
        }
    }

    private static void sql(String url, String statement) {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }
}
