package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.CanvasContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Workflows, revocation and limits on MariaDB: every worker and the client with its own pool. */
class MariaDbCanvasTest extends CanvasContractTest {
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
    protected Broker openBroker() {
        return JdbcBroker.builder().url(TestDatabases.mariaDbUrl()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .poolSize(6).build();
    }
}
