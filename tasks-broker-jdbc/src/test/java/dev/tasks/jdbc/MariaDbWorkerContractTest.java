package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.WorkerContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The worker's behaviour (retries, limits, idempotency, shutdown, a worker process) on MariaDB. */
class MariaDbWorkerContractTest extends WorkerContractTest {
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

    @Override
    protected Map<String, String> settingsForOtherProcesses() {
        return Map.of("tasks.broker.url", TestDatabases.mariaDbUrl(), JdbcBroker.OPTION_SCHEMA, schema);
    }
}
