package dev.tasks.redis;

import dev.tasks.spi.Broker;
import dev.tasks.worker.CanvasContractTest;
import java.time.Clock;

/** Workflows, revocation and limits on a real Redis: every worker and the client on its own connection pool. */
class RedisCanvasTest extends CanvasContractTest {
    private final String prefix = TestRedis.freshPrefix();

    @Override
    protected Broker openBroker() {
        return TestRedis.broker(prefix, Clock.systemUTC());
    }

    @Override
    protected void cleanUp() {
        TestRedis.deleteKeys(prefix);
    }
}
