package dev.tasks.dashboard;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import java.util.UUID;

/** The dashboard in a browser over the SQL broker on an in-memory H2 database. */
class H2DashboardBrowserTest extends DashboardBrowserTest {
    private final String url = "jdbc:h2:mem:dash-" + UUID.randomUUID().toString().substring(0, 8) + ";DB_CLOSE_DELAY=-1";

    @Override
    protected Broker openBroker() {
        return JdbcBroker.builder().url(url).poolSize(3).build();
    }
}
