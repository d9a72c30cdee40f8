package dev.tasks.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** Spring transactions with the JDBC broker on the application's own H2 database. */
class H2SpringTransactionsTest extends AbstractSpringTransactionsTest {
    private final String url = "jdbc:h2:mem:spring-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private HikariDataSource app;

    @Override
    protected DataSource appDataSource() {
        app = TestServers.pool(url, null);
        return app;
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).build();
    }

    @Override
    protected boolean writesInTransaction() {
        return true;
    }

    @Override
    protected String tasksRowsSql() {
        return "SELECT COUNT(*) FROM tasks_messages WHERE queue = ?";
    }

    @AfterAll
    void closePool() {
        if (app != null) {
            app.close();
        }
    }
}
