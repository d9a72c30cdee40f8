package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.CanvasContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Workflows, revocation and limits on PostgreSQL: every worker and the client with its own pool. */
class PostgresCanvasTest extends CanvasContractTest {
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
    protected Broker openBroker() {
        return JdbcBroker.builder().url(TestDatabases.postgresUrl()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .poolSize(6).build();
    }
}
