package dev.tasks.worker.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tasks.TasksConfig;
import dev.tasks.spi.Broker;
import dev.tasks.Brokers;
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
import dev.tasks.tck.TcpProxy;
import org.h2.tools.Server;
import redis.clients.jedis.RedisClient;

/**
 * The brokers the operator-command tests run on, each as a {@code tasks.properties} file that the commands read
 * with {@code --config} (as an operator's would) and the test's own broker on the same storage: Redis from
 * {@code TASKS_TEST_REDIS_URL} with a key prefix of its own, PostgreSQL from {@code TASKS_TEST_JDBC_URL} with a
 * fresh schema, and an H2 file in a temporary directory. {@link #behindProxy(String, Path)} puts a
 * {@link TcpProxy} between the commands and the server, for tests that cut the link. An unreachable server skips
 * the test, or fails it under {@code CI=true}. {@link Backend#close()} closes the broker and deletes what the test
 * wrote.
 */
final class TestBackends {
    static final String REDIS = "redis";
    static final String POSTGRES = "postgres";
    static final String H2 = "h2";
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?;]+):(\\d+)");

    private TestBackends() {}

    /** One broker of a test: its properties file, URL, the test's own broker on it, and the proxy if any. */
    record Backend(String kind, String url, Path config, Broker broker, TcpProxy proxy, List<AutoCloseable> cleanups)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            broker.close();
            for (AutoCloseable c : cleanups) {
                c.close();
            }
        }
    }

    /** A backend of {@code kind} in {@code dir}, connected to directly. */
    static Backend open(String kind, Path dir) throws Exception {
        return open(kind, dir, false);
    }

    /**
     * A backend of {@code kind} in {@code dir} whose properties file connects through a {@link TcpProxy} that the
     * test cuts and restores: to the Redis or PostgreSQL test server, or to an H2 TCP server (serving a database
     * file in {@code dir}) that this starts. The test's own broker connects directly.
     */
    static Backend behindProxy(String kind, Path dir) throws Exception {
        return open(kind, dir, true);
    }

    private static Backend open(String kind, Path dir, boolean proxied) throws Exception {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
        List<AutoCloseable> cleanups = new ArrayList<>();
        String direct;
        StringBuilder props = new StringBuilder();
        TasksConfig.Builder own = TasksConfig.builder().environment(java.util.Map.of());
        switch (kind) {
            case REDIS -> {
                direct = redisUrl();
                String prefix = "cli-" + suffix;
                props.append("tasks.redis.keyPrefix=").append(prefix).append('\n');
                own.set("redis.keyPrefix", prefix);
                cleanups.add(() -> deleteRedisKeys(prefix));
            }
            case POSTGRES -> {
                direct = postgresUrl();
                String schema = "cli_" + suffix;
                sql(direct, "CREATE SCHEMA " + schema);
                props.append("tasks.jdbc.schema=").append(schema).append('\n');
                own.set("jdbc.schema", schema);
                cleanups.add(() -> sql(direct, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
            }
            case H2 -> {
                if (proxied) {
                    Server h2 = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir",
                            dir.toAbsolutePath().toString()).start();
                    cleanups.add(h2::stop);
                    direct = "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/tasks";
                } else {
                    direct = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        TcpProxy proxy = null;
        String url = direct;
        if (proxied) {
            Matcher m = HOST_PORT.matcher(direct);
            if (!m.find()) {
                throw new IllegalStateException("no host:port in the test URL " + direct);
            }
            proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
            cleanups.add(0, proxy);
            url = direct.substring(0, m.start()) + "//127.0.0.1:" + proxy.port() + direct.substring(m.end());
        }
        props.insert(0, "tasks.broker.url=" + url + "\n");
        Path config = dir.resolve("tasks-" + kind + ".properties");
        Files.writeString(config, props.toString());
        Broker broker = Brokers.open(own.set(TasksConfig.BROKER_URL, direct).build().brokerSettings(Clock.systemUTC()));
        return new Backend(kind, url, config, broker, proxy, cleanups);
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
