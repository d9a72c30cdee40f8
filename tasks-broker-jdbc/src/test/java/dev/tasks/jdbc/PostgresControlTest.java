package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The control-store contract on PostgreSQL (result waits through LISTEN/NOTIFY), in a fresh schema. */
class PostgresControlTest extends ControlContractTest {
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
                .poolSize(10).build();
    }
}
