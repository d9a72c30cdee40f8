package dev.tasks.redis;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;

/** The control-store contract on a real Redis, each test under a fresh key prefix. */
class RedisControlTest extends ControlContractTest {
    private String prefix;

    @Override
    protected Broker createBroker() {
        prefix = TestRedis.freshPrefix();
        return TestRedis.broker(prefix, Clock.systemUTC());
    }

    @AfterEach
    void deleteKeys() {
        TestRedis.deleteKeys(prefix);
    }
}
