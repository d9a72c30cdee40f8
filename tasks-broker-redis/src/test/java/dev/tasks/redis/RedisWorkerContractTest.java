package dev.tasks.redis;

import dev.tasks.spi.Broker;
import dev.tasks.worker.WorkerContractTest;
import java.time.Clock;
import java.util.Map;

/** The worker's behaviour (retries, limits, idempotency, shutdown, a worker process) on a real Redis. */
class RedisWorkerContractTest extends WorkerContractTest {
    private String prefix;

    @Override
    protected Broker createBroker() {
        prefix = TestRedis.freshPrefix();
        return TestRedis.broker(prefix, Clock.systemUTC());
    }

    @Override
    protected Map<String, String> settingsForOtherProcesses() {
        return Map.of("tasks.broker.url", TestRedis.url(), "redis.keyPrefix", prefix);
    }

    @Override
    protected void closeBroker(Broker broker) {
        broker.close();
        TestRedis.deleteKeys(prefix);
    }
}
