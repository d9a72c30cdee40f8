package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.BrokerContractTest;
import org.junit.jupiter.api.BeforeAll;

/** The broker contract on an H2 file database in automatic mixed mode (the embedded default). */
class H2BrokerContractTest extends BrokerContractTest {
    static String url;

    @BeforeAll
    static void database() {
        url = TestDatabases.freshH2FileUrl();
    }

    @Override
    protected Broker createBroker() {
        return JdbcBroker.builder().url(url).poolSize(6).build();
    }
}
