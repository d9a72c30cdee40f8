package dev.tasks.redis;

import dev.tasks.spi.Broker;
import dev.tasks.tck.BrokerContractTest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The shared broker contract, against a real Redis, each test under a fresh key prefix. */
class RedisBrokerContractTest extends BrokerContractTest {
    private final List<String> prefixes = new ArrayList<>();

    @Override
    protected Broker createBroker() {
        String prefix = TestRedis.freshPrefix();
        prefixes.add(prefix);
        return TestRedis.broker(prefix, Clock.systemUTC());
    }

    @AfterEach
    void deleteKeys() {
        prefixes.forEach(TestRedis::deleteKeys);
        prefixes.clear();
    }
}
