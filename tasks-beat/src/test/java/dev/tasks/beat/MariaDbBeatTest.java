package dev.tasks.beat;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Beat's contract through the MariaDB broker's leader lock and fenced state, fresh tables per test. */
class MariaDbBeatTest extends BeatContractTest {
    private static String database;

    @BeforeAll
    static void createDatabase() {
        database = TestServers.freshMariaDbDatabase();
    }

    @AfterAll
    static void dropDatabase() {
        TestServers.dropMariaDbDatabase(database);
    }

    @Override
    protected Broker newBroker(Clock clock) {
        return JdbcBroker.builder().url(TestServers.mariaDbUrl()).schema(database)
                .tablePrefix("b" + UUID.randomUUID().toString().substring(0, 8) + "_").poolSize(3).clock(clock).build();
    }
}
