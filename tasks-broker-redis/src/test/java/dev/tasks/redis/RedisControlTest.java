package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
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
    void a_check_right_after_a_fetch_sees_every_revocation_made_before_it() {
        try (RedisBroker other = TestRedis.broker(prefix, Clock.systemUTC())) {
            RedisBroker broker = (RedisBroker) this.broker;
            broker.publish(List.of(new OutboundMessage("a", "q", 0, null, "p"),
                    new OutboundMessage("b", "q", 0, null, "p"), new OutboundMessage("c", "q", 0, null, "p")));
            other.control().revoke("a", false, Duration.ofMinutes(1));
            other.control().revoke("b", true, Duration.ofMinutes(1));
            other.control().revoke("gone", true, Duration.ofMillis(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> other.control().revoked(List.of("gone")).isEmpty());
            List<String> ids = List.of("a", "b", "c", "gone");
            Map<String, Boolean> expected = Map.of("a", false, "b", true);

            broker.fetch(List.of("q"), 1, Duration.ofMinutes(1), Duration.ZERO);
            assertThat(broker.control().revoked(ids)).as("as of the fetch (loaded)").isEqualTo(expected);
            broker.fetch(List.of("q"), 1, Duration.ofMinutes(1), Duration.ZERO);
            assertThat(broker.control().revoked(ids)).as("as of the fetch (kept)").isEqualTo(expected);
            assertThat(broker.control().revoked(ids)).as("asking the server").isEqualTo(expected);

            other.control().revoke("c", false, Duration.ofMinutes(1));
            broker.fetch(List.of("q"), 1, Duration.ofMinutes(1), Duration.ZERO);
            assertThat(broker.control().revoked(ids)).as("a revocation by another broker before the fetch")
                    .containsEntry("c", false).hasSize(3);

            broker.fetch(List.of("q"), 1, Duration.ofMinutes(1), Duration.ZERO);
            broker.control().revoke("d", true, Duration.ofMinutes(1));
            assertThat(broker.control().revoked(List.of("d"))).as("a revocation on this thread after the fetch")
                    .containsEntry("d", true);
        }
    }

    @Test
    void with_more_live_revocations_than_kept_in_memory_checks_ask_the_server() {
        RedisBroker broker = (RedisBroker) this.broker;
        try (RedisClient c = TestRedis.client()) {
            Map<String, Double> many = new java.util.HashMap<>();
            for (int i = 0; i <= RedisControlStore.CACHE_MAX; i++) {
                many.put("t" + i, (double) (System.currentTimeMillis() + 60_000));
            }
            c.zadd(prefix + ":{revoked}:ids", many);
            c.incr(prefix + ":{revoked}:version");
        }
        broker.publish(List.of(new OutboundMessage("x", "q", 0, null, "p")));
        broker.fetch(List.of("q"), 1, Duration.ofMinutes(1), Duration.ZERO);
        assertThat(broker.control().revoked(List.of("t7", "x", "t" + RedisControlStore.CACHE_MAX)))
                .isEqualTo(Map.of("t7", false, "t" + RedisControlStore.CACHE_MAX, false));
    }
}
