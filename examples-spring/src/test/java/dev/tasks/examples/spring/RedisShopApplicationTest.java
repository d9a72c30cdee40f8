package dev.tasks.examples.spring;

import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The shop with its {@code redis} profile: its tables on the embedded H2, the broker on Redis
 * ({@code TASKS_TEST_REDIS_URL}, keys under a prefix of its own), tasks published after the commit.
 */
@ActiveProfiles("redis")
class RedisShopApplicationTest extends AbstractShopApplicationTest {
    private static String url;

    @BeforeAll
    static void server() {
        url = ShopServers.redisUrl();
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) {
        registry.add("tasks.broker.url", () -> url);
        registry.add("tasks.redis.key-prefix", () -> "shop-test-" + UUID.randomUUID());
    }

    @Override
    protected String brokerName() {
        return "RedisBroker";
    }
}
