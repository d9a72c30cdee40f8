package dev.tasks.opentelemetry;

import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

class RedisTracingTest extends TracingContractTest {
    private final String prefix = "ot-" + UUID.randomUUID().toString().substring(0, 12);
    private String url;

    @Override
    protected Broker openBroker() {
        if (url == null) {
            url = TestServers.redisUrl();
        }
        return RedisBroker.builder().url(url).keyPrefix(prefix).build();
    }

    @Override
    protected String messagingSystem() {
        return "redis";
    }

    @Override
    protected void cleanUp() {
        if (url == null) {
            return;
        }
        try (RedisClient c = RedisClient.create(url)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> r = c.scan(cursor, new ScanParams().match(prefix + ":*").count(1000));
                if (!r.getResult().isEmpty()) {
                    c.del(r.getResult().toArray(new String[0]));
                }
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }
}
