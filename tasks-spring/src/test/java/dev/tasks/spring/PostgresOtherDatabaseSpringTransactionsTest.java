package dev.tasks.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.TransactionDefinition;

/**
 * Spring transactions on PostgreSQL with the application's {@code DataSource} on database {@code postgres}
 * and the JDBC broker on another database of the same server ({@code TASKS_TEST_JDBC_URL}): the broker does not
 * share the transaction's connection, so the task is published after the commit, and not at all on rollback.
 */
class PostgresOtherDatabaseSpringTransactionsTest extends AbstractSpringTransactionsTest {
    private String brokerUrl;
    private String brokerSchema;
    private String appUrl;
    private String appSchema;
    private HikariDataSource app;

    @Override
    protected DataSource appDataSource() {
        brokerUrl = TestServers.postgresUrl();
        appUrl = brokerUrl.replaceFirst("^(jdbc:postgresql://[^/?]+/)[^?]*", "$1postgres");
        assertThat(appUrl).as("the application's database differs from the broker's").isNotEqualTo(brokerUrl);
        appSchema = TestServers.freshSchema(appUrl);
        app = TestServers.pool(appUrl, appSchema);
        return app;
    }

    @Override
    protected Broker openBroker() {
        brokerSchema = TestServers.freshSchema(brokerUrl);
        return JdbcBroker.builder().url(brokerUrl).schema(brokerSchema).build();
    }

    @Override
    protected boolean writesInTransaction() {
        return false;
    }

    @Test
    void the_task_is_published_after_the_commit_not_in_the_application_transaction() {
        long[] seenInside = {-1};
        Long appTables = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(s -> {
            orders.write(id());
            orders.write(id());
            seenInside[0] = queued();
            return jdbc.queryForObject("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?"
                    + " AND table_name LIKE 'tasks%'", Long.class, appSchema);
        });
        assertThat(seenInside[0]).as("tasks in the broker before the commit").isZero();
        assertThat(appTables).as("broker tables written into the application's database").isZero();
        assertThat(queued()).as("tasks after the commit").isEqualTo(2);
    }

    @AfterAll
    void dropSchemas() {
        if (app != null) {
            app.close();
        }
        if (appSchema != null) {
            TestServers.execute(appUrl, "DROP SCHEMA IF EXISTS " + appSchema + " CASCADE");
        }
        if (brokerSchema != null) {
            TestServers.execute(brokerUrl, "DROP SCHEMA IF EXISTS " + brokerSchema + " CASCADE");
        }
    }
}
