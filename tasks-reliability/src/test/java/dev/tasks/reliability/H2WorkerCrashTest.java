package dev.tasks.reliability;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AbstractWorkerCrashTest} on the embedded default: an H2 file in automatic mixed mode, served by
 * this JVM (it opens the file first), reached by the worker processes over loopback.
 */
class H2WorkerCrashTest extends AbstractWorkerCrashTest {
    @TempDir
    static Path dbDir;
    static String url;

    @BeforeAll
    static void database() {
        url = "jdbc:h2:file:" + dbDir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
    }

    @Override
    protected List<String> brokerArgs(Path dir) {
        return List.of("--broker", url);
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).build();
    }

    @Override
    protected String runLogUrl(String name) {
        return JdbcRunLog.url(url, name.replace('-', '_'));
    }

    @Override
    protected Leased leasedNow(Broker broker, String queue) {
        return JdbcLeases.leased(url, "tasks_messages", queue);
    }
}
