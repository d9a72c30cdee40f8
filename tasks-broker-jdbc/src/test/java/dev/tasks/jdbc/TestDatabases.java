package dev.tasks.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Where the tests find their databases: PostgreSQL from Testcontainers when Docker is there, else from
 * {@code TASKS_TEST_JDBC_URL} (default the local server); MariaDB from {@code TASKS_TEST_MARIADB_URL}
 * (default the local server); a fresh schema (on MariaDB: database) per test class. An unreachable server
 * fails the tests under {@code CI=true} and skips them otherwise.
 */
final class TestDatabases {
    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    static final String DEFAULT_MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

    private static String pgUrl;
    private static String pgProblem;
    private static String mariaDbUrl;
    private static String mariaDbProblem;

    private TestDatabases() {}

    /** The PostgreSQL URL, or a skipped (or, under CI, failed) test. */
    static synchronized String postgresUrl() {
        if (pgUrl == null && pgProblem == null) {
            resolvePostgres();
        }
        if (pgUrl == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("PostgreSQL is required under CI=true but unreachable: " + pgProblem);
            }
            assumeTrue(false, "PostgreSQL unreachable, skipping: " + pgProblem);
        }
        return pgUrl;
    }

    @SuppressWarnings("resource")
    private static void resolvePostgres() {
        String env = System.getenv("TASKS_TEST_JDBC_URL");
        String url = env != null && !env.isBlank() ? env : null;
        if (url == null && dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
            container.start();
            url = container.getJdbcUrl() + (container.getJdbcUrl().contains("?") ? "&" : "?") + "user="
                    + container.getUsername() + "&password=" + container.getPassword();
        }
        if (url == null) {
            url = DEFAULT_PG_URL;
        }
        try (Connection c = DriverManager.getConnection(url)) {
            c.isValid(2);
            pgUrl = url;
        } catch (SQLException e) {
            pgProblem = e.getMessage() + " (" + dev.tasks.spi.BrokerSettings.redact(url) + ")";
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Creates a fresh schema on PostgreSQL and returns its name. */
    static String freshPostgresSchema() {
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(postgresUrl()); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return schema;
    }

    static void dropPostgresSchema(String schema) {
        if (schema == null || pgUrl == null) {
            return;
        }
        try (Connection c = DriverManager.getConnection(pgUrl); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The MariaDB URL, or a skipped (or, under CI, failed) test. */
    static synchronized String mariaDbUrl() {
        if (mariaDbUrl == null && mariaDbProblem == null) {
            String env = System.getenv("TASKS_TEST_MARIADB_URL");
            String url = env != null && !env.isBlank() ? env : DEFAULT_MARIADB_URL;
            try (Connection c = DriverManager.getConnection(url)) {
                c.isValid(2);
                mariaDbUrl = url;
            } catch (SQLException e) {
                mariaDbProblem = e.getMessage() + " (" + dev.tasks.spi.BrokerSettings.redact(url) + ")";
            }
        }
        if (mariaDbUrl == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("MariaDB is required under CI=true but unreachable: " + mariaDbProblem);
            }
            assumeTrue(false, "MariaDB unreachable, skipping: " + mariaDbProblem);
        }
        return mariaDbUrl;
    }

    /** The MariaDB URL with {@code database} as the connection's database. */
    static String mariaDbUrl(String database) {
        return mariaDbUrl().replaceFirst("^(jdbc:[a-z]+://[^/?]*)(/[^?]*)?", "$1/" + database);
    }

    /** Creates a fresh database on MariaDB (its schemas) and returns its name. */
    static String freshMariaDbSchema() {
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(mariaDbUrl()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return schema;
    }

    static void dropMariaDbSchema(String schema) {
        if (schema == null || mariaDbUrl == null) {
            return;
        }
        try (Connection c = DriverManager.getConnection(mariaDbUrl); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A URL of a new H2 file database in a temporary directory, in automatic mixed mode. */
    static String freshH2FileUrl() {
        try {
            Path dir = Files.createTempDirectory("tasks-h2-");
            dir.toFile().deleteOnExit();
            return "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A URL of a new in-memory H2 database that lives until the JVM exits. */
    static String freshH2MemoryUrl() {
        return "jdbc:h2:mem:tasks_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
    }
}
