package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker on PostgreSQL, in a fresh schema. */
class PostgresBrokerTest extends JdbcBrokerScenarios {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshPostgresSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestDatabases.dropPostgresSchema(schema);
    }

    @Override
    String url() {
        return TestDatabases.postgresUrl();
    }

    @Override
    Map<String, String> options() {
        return Map.of(JdbcBroker.OPTION_SCHEMA, schema);
    }

    @Test
    void notification_wakes_a_fetch_blocked_in_another_broker_within_milliseconds() throws Exception {
        // Polling is slowed to 20 s, so only the notification can explain a prompt return.
        try (JdbcBroker consumer = JdbcBroker.builder().url(url()).clock(clock).options(options())
                        .maxPollInterval(Duration.ofSeconds(20)).build();
                JdbcBroker producer = open(clock)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            AtomicReference<Thread> fetcher = new AtomicReference<>();
            try {
                Future<List<Delivery>> f = pool.submit(() -> {
                    fetcher.set(Thread.currentThread());
                    consumer.fetch(List.of(queue), 1, LEASE, Duration.ofMillis(100)); // lets the poll pause grow
                    return consumer.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(30));
                });
                awaitWaiting(fetcher);
                long start = System.nanoTime();
                producer.publish(msg(queue, "ping"));
                List<Delivery> got = f.get(10, TimeUnit.SECONDS);
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                assertThat(ids(got)).containsExactly("ping");
                assertThat(latency).isLessThan(Duration.ofMillis(1000));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void awaitWaiting(AtomicReference<Thread> t) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> t.get() != null);
        // Wait until it is in the long fetch (after the short first one).
        org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                .until(() -> t.get().getState() == Thread.State.TIMED_WAITING);
    }
}
