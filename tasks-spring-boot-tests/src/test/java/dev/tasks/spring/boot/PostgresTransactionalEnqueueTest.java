package dev.tasks.spring.boot;

/**
 * PostgreSQL as {@code spring.datasource.url} (a fresh schema), and {@code tasks.broker.url} naming the same
 * database: the broker uses the application's DataSource.
 */
class PostgresTransactionalEnqueueTest extends AbstractTransactionalEnqueueTest {
    @Override
    protected String[] properties() {
        String base = TestServers.postgresUrl();
        String schema = TestServers.freshSchema(base);
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return new String[] {"spring.datasource.url=" + url, "tasks.broker.url=" + url};
    }
}
