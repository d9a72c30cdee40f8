package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.worker.WorkerContractTest;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** The worker's behaviour on the embedded default: an H2 file shared by processes (automatic mixed mode). */
class H2WorkerContractTest extends WorkerContractTest {
    static String url;

    @BeforeAll
    static void database() {
        url = TestDatabases.freshH2FileUrl();
    }

    @Override
    protected Broker createBroker() {
        return JdbcBroker.builder().url(url).poolSize(6).build();
    }

    @Override
    protected Map<String, String> settingsForOtherProcesses() {
        return Map.of("tasks.broker.url", url);
    }
}
