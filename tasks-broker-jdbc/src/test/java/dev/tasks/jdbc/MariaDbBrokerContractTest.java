package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.BrokerContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The broker contract on MariaDB, in a fresh database for this class. */
class MariaDbBrokerContractTest extends BrokerContractTest {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshMariaDbSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestDatabases.dropMariaDbSchema(schema);
    }

    @Override
    protected Broker createBroker() {
        return JdbcBroker.builder().url(TestDatabases.mariaDbUrl()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .poolSize(6).build();
    }
}
