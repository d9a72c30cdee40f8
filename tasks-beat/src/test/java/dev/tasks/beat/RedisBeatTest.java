package dev.tasks.beat;

import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;
import java.util.UUID;

/** Beat's contract through the Redis broker's leader lock and fenced state, under a fresh key prefix. */
class RedisBeatTest extends BeatContractTest {
    private String prefix;

    @Override
    protected Broker newBroker(Clock clock) {
        prefix = "beat-test-" + UUID.randomUUID().toString().substring(0, 8);
        return RedisBroker.builder().url(TestServers.redisUrl()).keyPrefix(prefix).clock(clock).build();
    }

    @Override
    protected void closeBroker(Broker broker) {
        broker.close();
        TestServers.deleteRedisKeys(prefix);
    }
}
