package dev.tasks.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL server of the tests: {@code TASKS_TEST_JDBC_URL} (default the local server, database
 * {@code test}, user {@code postgres}). Tests use a fresh schema each; unreachable fails under
 * {@code CI=true} and skips otherwise. (No Docker here; the other modules' tests use Testcontainers when
 * it is there, this suite's crash and fault tests need a server they can reach from several processes.)
 */
final class TestPostgres {
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static String url;
    private static String problem;

    private TestPostgres() {}

    static synchronized String url() {
        if (url == null && problem == null) {
            String env = System.getenv("TASKS_TEST_JDBC_URL");
            String candidate = env == null || env.isBlank() ? DEFAULT_URL : env;
            try (Connection c = DriverManager.getConnection(candidate)) {
                c.isValid(2);
                url = candidate;
            } catch (SQLException e) {
                problem = e.getMessage() + " (" + dev.tasks.spi.BrokerSettings.redact(candidate) + ")";
            }
        }
        if (url == null) {
            throw Env.unavailable("PostgreSQL is unreachable: " + problem);
        }
        return url;
    }

    static String freshSchema() {
        String schema = "rel_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute("CREATE SCHEMA " + schema);
        return schema;
    }

    static void dropSchema(String schema) {
        if (schema != null && url != null) {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
