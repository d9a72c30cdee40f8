package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.CanvasContractTest;
import org.junit.jupiter.api.BeforeAll;

/** Workflows, revocation and limits on an H2 file database shared in automatic mixed mode. */
class H2CanvasTest extends CanvasContractTest {
    static String url;

    @BeforeAll
    static void database() {
        url = TestDatabases.freshH2FileUrl();
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).poolSize(6).build();
    }
}
