package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.spring.boot.app.Confirmations;
import dev.tasks.spring.boot.app.OrderService;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Redis application on Spring Boot's managed versions (with the {@code jedis.version} property the docs ask
 * for): the Redis broker starts, {@code @Transactional} commits publish after the commit and rollbacks nothing,
 * and the embedded worker runs the bean.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedisBootAppTest {

    @Test
    void a_redis_app_enqueues_on_commit_and_its_embedded_worker_runs_the_tasks() {
        String prefix = "boot-" + UUID.randomUUID().toString().substring(0, 8);
        try (ConfigurableApplicationContext context = BootApps.start("tasks.broker.url=" + TestServers.redisUrl(),
                "tasks.redis.key-prefix=" + prefix, "tasks.worker.enabled=true")) {
            Broker broker = context.getBean(Broker.class);
            assertThat(broker).isInstanceOf(RedisBroker.class);
            OrderService orders = context.getBean(OrderService.class);
            orders.place(1, false);
            assertThatThrownBy(() -> orders.place(2, true)).isInstanceOf(IllegalStateException.class);
            orders.place(3, false);
            Confirmations done = context.getBean(Confirmations.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> done.confirmed.size() >= 2 && pending(broker) == 0);
            assertThat(done.confirmed).containsExactlyInAnyOrder(1L, 3L);
        }
    }

    @Test
    void the_jedis_the_app_resolved_is_the_one_the_redis_broker_needs() {
        JedisRequirement.check(getClass().getClassLoader());
    }

    private static long pending(Broker broker) {
        QueueStats s = broker.stats("default");
        return s.ready() + s.delayed() + s.inFlight();
    }
}
