package dev.tasks.opentelemetry;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;

/** On H2, {@code delayOnCommit} writes the task in the caller's transaction on the broker's database. */
class H2TracingTest extends TracingContractTest {
    static String url;

    @BeforeAll
    static void database() throws IOException {
        try {
            java.nio.file.Path dir = Files.createTempDirectory("tasks-ot-h2-");
            dir.toFile().deleteOnExit();
            url = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).poolSize(4).build();
    }

    @Override
    protected DataSource applicationDatabase() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        return ds;
    }

    @Override
    protected String messagingSystem() {
        return "h2";
    }
}
