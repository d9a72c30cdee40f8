package dev.tasks.reliability;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link AbstractWorkerCrashTest} on PostgreSQL, in a fresh schema. */
class PostgresWorkerCrashTest extends AbstractWorkerCrashTest {
    static String schema;

    @BeforeAll
    static void createSchema() {
        schema = TestPostgres.freshSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestPostgres.dropSchema(schema);
    }

    @Override
    protected List<String> brokerArgs(Path dir) throws Exception {
        Path config = dir.resolve("pg-tasks.properties");
        Files.writeString(config, "tasks.broker.url=" + TestPostgres.url() + "\ntasks.jdbc.schema=" + schema + "\n");
        return List.of("--config", config.toString());
    }

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(TestPostgres.url()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).build();
    }

    @Override
    protected String runLogUrl(String name) {
        return JdbcRunLog.url(TestPostgres.url(), schema + "." + name.replace('-', '_'));
    }

    @Override
    protected Leased leasedNow(Broker broker, String queue) {
        return JdbcLeases.leased(TestPostgres.url(), schema + ".tasks_messages", queue);
    }
}
