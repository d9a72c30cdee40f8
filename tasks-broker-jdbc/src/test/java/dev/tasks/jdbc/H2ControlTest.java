package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import org.junit.jupiter.api.BeforeAll;

/** The control-store contract on an H2 file database in automatic mixed mode (result waits poll). */
class H2ControlTest extends ControlContractTest {
    static String url;

    @BeforeAll
    static void database() {
        url = TestDatabases.freshH2FileUrl();
    }

    @Override
    protected Broker createBroker() {
        return JdbcBroker.builder().url(url).poolSize(10).build();
    }
}
