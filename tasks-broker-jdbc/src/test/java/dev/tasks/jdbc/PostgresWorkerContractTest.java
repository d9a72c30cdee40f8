package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.WorkerContractTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The worker's behaviour (retries, limits, idempotency, shutdown, a worker process) on PostgreSQL. */
class PostgresWorkerContractTest extends WorkerContractTest {
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

    @Override
    protected Map<String, String> settingsForOtherProcesses() {
        return Map.of("tasks.broker.url", TestDatabases.postgresUrl(), JdbcBroker.OPTION_SCHEMA, schema);
    }
}
