package dev.tasks.jdbc;

import dev.tasks.tck.SettableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The transactional outbox relayed to another broker; subclasses say on which database the application's is. */
abstract class OutboxScenarios {

    /** The application's data source, migrated. */
    abstract HikariDataSource app();

    /** The schema of the tables, or null. */
    abstract String schema();

    @Test
    void relay_killed_between_publish_and_delete_publishes_the_task_again_with_the_same_id() throws Exception {
        HikariDataSource app = app();
        String schema = schema();
        SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
        // The target is a JDBC broker under another prefix, standing in for e.g. Redis.
        try (JdbcBroker target = JdbcBroker.builder().dataSource(app).schema(schema).tablePrefix("target_")
                .clock(clock).build()) {
            JdbcOutbox outbox = JdbcOutbox.builder(app).schema(schema).clock(clock).build();
            try (JdbcTransaction tx = new JdbcTransaction(app.getConnection())) {
                assertThat(outbox.publishInTransaction(tx, List.of(
                        new OutboundMessage("task-1", "orders", 0, null, "{\"id\":\"task-1\"}")))).isTrue();
                tx.commit();
            }
            clock.advance(Duration.ofSeconds(5));
            assertThat(outbox.lag()).isEqualTo(new OutboxLag(1, Duration.ofSeconds(5)));

            CrashAfterPublish crashing = new CrashAfterPublish(target);
            OutboxRelay first = outbox.relayTo(crashing).pollInterval(Duration.ofMillis(20)).build();
            first.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> crashing.published.get() >= 1);
            first.stop();
            assertThat(outbox.lag().rows()).isEqualTo(1);

            OutboxRelay second = outbox.relayTo(target).pollInterval(Duration.ofMillis(20)).threadName("relay-2").build();
            second.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> outbox.lag().rows() == 0);
            } finally {
                second.close();
            }
            List<Delivery> got = target.fetch(List.of("orders"), 10, Duration.ofSeconds(30), Duration.ZERO);
            assertThat(got).extracting(Delivery::messageId).containsOnly("task-1").hasSizeGreaterThanOrEqualTo(2);
            assertThat(outbox.lag()).isEqualTo(new OutboxLag(0, Duration.ZERO));
        }
    }

    @Test
    void rolled_back_transaction_leaves_nothing_in_the_outbox() throws Exception {
        HikariDataSource app = app();
        String schema = schema();
        JdbcOutbox outbox = JdbcOutbox.builder(app).schema(schema).build();
        long before = outbox.lag().rows();
        try (JdbcTransaction tx = new JdbcTransaction(app.getConnection())) {
            assertThat(outbox.publishInTransaction(tx, List.of(new OutboundMessage("t", "q", 0, null, "{}")))).isTrue();
            tx.rollback();
        }
        assertThat(outbox.lag().rows()).isEqualTo(before);
    }

    /** Publishes, then fails as if the process died before the relay could delete the rows. */
    static final class CrashAfterPublish extends ForwardingBroker {
        final AtomicInteger published = new AtomicInteger();

        CrashAfterPublish(Broker delegate) {
            super(delegate);
        }

        @Override
        public void publish(List<OutboundMessage> messages) {
            delegate().publish(messages);
            published.incrementAndGet();
            throw new IllegalStateException("simulated crash after publish");
        }

        @Override
        public String describe() {
            return "crashing " + delegate().describe();
        }

        @Override
        public void close() {}
    }
}
