package dev.tasks.beat;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Beat's contract through the PostgreSQL broker's leader lock and fenced state, fresh tables per test. */
class PostgresBeatTest extends BeatContractTest {
    private static String schema;

    @BeforeAll
    static void createSchema() {
        schema = TestServers.freshPostgresSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestServers.dropPostgresSchema(schema);
    }

    @Override
    protected Broker newBroker(Clock clock) {
        return JdbcBroker.builder().url(TestServers.postgresUrl()).schema(schema)
                .tablePrefix("b" + UUID.randomUUID().toString().substring(0, 8) + "_").poolSize(3).clock(clock).build();
    }
}
