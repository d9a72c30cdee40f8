package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The control-store contract on MariaDB (result waits by polling), in a fresh database. */
class MariaDbControlTest extends ControlContractTest {
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
                .poolSize(10).build();
    }
}
