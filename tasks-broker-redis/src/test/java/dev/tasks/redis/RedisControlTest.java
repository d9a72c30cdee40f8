package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

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

    @Test
    void the_script_used_before_redis_6_2_reports_the_same_revocations() {
        try (RedisClient client = TestRedis.client()) {
            ConnectionGuard guard = new ConnectionGuard(client, "test");
            RedisControlStore withZmscore = new RedisControlStore(guard, Clock.systemUTC(), prefix, true);
            RedisControlStore withScript = new RedisControlStore(guard, Clock.systemUTC(), prefix, false);
            withZmscore.revoke("a", false, Duration.ofMinutes(1));
            withScript.revoke("b", true, Duration.ofMinutes(1));
            withZmscore.revoke("gone", true, Duration.ofMillis(1));
            List<String> ids = List.of("a", "b", "c", "gone");
            Map<String, Boolean> expected = Map.of("a", false, "b", true);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> withZmscore.revoked(List.of("gone")).isEmpty());
            assertThat(withZmscore.revoked(ids)).isEqualTo(expected);
            assertThat(withScript.revoked(ids)).isEqualTo(expected);
        }
    }
}
