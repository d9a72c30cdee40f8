package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.BrokerContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The broker contract on PostgreSQL, in a fresh schema for this class. */
class PostgresBrokerContractTest extends BrokerContractTest {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshPostgresSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestDatabases.dropPostgresSchema(schema);
    }

    @Override
    protected Broker createBroker() {
        return JdbcBroker.builder().url(TestDatabases.postgresUrl()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .poolSize(6).build();
    }
}
