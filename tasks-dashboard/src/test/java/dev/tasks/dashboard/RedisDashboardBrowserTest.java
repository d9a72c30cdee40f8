package dev.tasks.dashboard;

import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.util.UUID;

/** The dashboard in a browser over the Redis broker; its screenshots are the ones in the docs. */
class RedisDashboardBrowserTest extends DashboardBrowserTest {
    private final String prefix = "dash-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    protected Broker openBroker() {
        return RedisBroker.builder().url(TestServers.redisUrl()).keyPrefix(prefix).build();
    }

    @Override
    protected void cleanUp() {
        TestServers.deleteRedisKeys(prefix);
    }

    @Override
    protected boolean documents() {
        return true;
    }
}
