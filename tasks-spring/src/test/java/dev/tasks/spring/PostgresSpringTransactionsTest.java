package dev.tasks.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** Spring transactions with the JDBC broker on the application's own PostgreSQL database (a fresh schema). */
class PostgresSpringTransactionsTest extends AbstractSpringTransactionsTest {
    private String url;
    private String schema;
    private HikariDataSource app;

    @Override
    protected DataSource appDataSource() {
        url = TestServers.postgresUrl();
        schema = TestServers.freshSchema(url);
        app = TestServers.pool(url, schema);
        return app;
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).schema(schema).build();
    }

    @Override
    protected boolean writesInTransaction() {
        return true;
    }

    @Override
    protected String tasksRowsSql() {
        return "SELECT COUNT(*) FROM " + schema + ".tasks_messages WHERE queue = ?";
    }

    @AfterAll
    void dropSchema() {
        if (app != null) {
            app.close();
        }
        if (schema != null) {
            TestServers.execute(url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
