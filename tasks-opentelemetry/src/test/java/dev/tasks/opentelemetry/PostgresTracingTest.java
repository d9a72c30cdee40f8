package dev.tasks.opentelemetry;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.postgresql.ds.PGSimpleDataSource;

/** On PostgreSQL, {@code delayOnCommit} writes the task in the caller's transaction on the broker's database. */
class PostgresTracingTest extends TracingContractTest {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestServers.freshPostgresSchema();
    }

    @AfterAll
    static void dropSchema() {
        if (schema != null) {
            TestServers.dropPostgresSchema(schema);
        }
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(TestServers.postgresUrl()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .poolSize(4).build();
    }

    @Override
    protected DataSource applicationDatabase() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(TestServers.postgresUrl());
        return ds;
    }

    @Override
    protected String messagingSystem() {
        return "postgresql";
    }
}
