package dev.tasks.dashboard;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;

/** The dashboard in a browser over the SQL broker on PostgreSQL, in a schema of its own. */
class PostgresDashboardBrowserTest extends DashboardBrowserTest {
    private String schema;

    @Override
    protected Broker openBroker() {
        if (schema == null) {
            schema = TestServers.freshPostgresSchema();
        }
        return JdbcBroker.builder().url(TestServers.postgresUrl()).schema(schema).poolSize(3).build();
    }

    @Override
    protected void cleanUp() {
        TestServers.dropPostgresSchema(schema);
    }
}
