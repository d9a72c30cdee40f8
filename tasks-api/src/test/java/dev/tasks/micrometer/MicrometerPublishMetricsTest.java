package dev.tasks.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.BrokerException;
import dev.tasks.PayloadTooLargeException;
import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.tx.TransactionalDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class MicrometerPublishMetricsTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicBoolean down = new AtomicBoolean();

    private Tasks client(InMemoryBroker memory) {
        ForwardingBroker broker = new ForwardingBroker(memory) {
            @Override
            public void publish(List<OutboundMessage> messages) {
                if (down.get()) {
                    throw new BrokerException("broker down (test)");
                }
                super.publish(messages);
            }
        };
        return Tasks.builder().broker(broker).declare(OrderTasks.class).maxPayloadBytes(1024)
                .transactions(TransactionalDataSource.synchronizer())
                .metrics(new MicrometerPublishMetrics(meters)).build();
    }

    private double count(String name, String task, String queue) {
        var c = meters.find(name).tag("task", task).tag("queue", queue).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void counts_published_failed_and_rejected_calls_by_task_and_queue() {
        try (InMemoryBroker memory = InMemoryBroker.create(); Tasks tasks = client(memory)) {
            tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(1));
            tasks.sendAll(List.of(Signature.of("orders.sendOrderConfirmation", 2L),
                    Signature.of("orders.sendOrderConfirmation", 3L)));
            down.set(true);
            assertThatThrownBy(() -> tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(4)))
                    .isInstanceOf(BrokerException.class);
            down.set(false);
            assertThatThrownBy(() -> tasks.delay(OrderTasks.class, t -> t.archive(java.util.Collections.nCopies(400,
                    123456789L)))).isInstanceOf(PayloadTooLargeException.class);

            assertThat(count("tasks.published", "orders.sendOrderConfirmation", "orders")).isEqualTo(3);
            assertThat(count("tasks.publish.failed", "orders.sendOrderConfirmation", "orders")).isEqualTo(1);
            assertThat(meters.get("tasks.publish.rejected").tag("task", "orders.archive").tag("queue", "archive")
                    .tag("reason", "payload_too_large").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void counts_a_task_lost_after_commit_when_the_broker_is_down() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:lost" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        TransactionalDataSource ds = new TransactionalDataSource(h2);
        try (InMemoryBroker memory = InMemoryBroker.create(); Tasks tasks = client(memory)) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(1));
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(2));
                c.commit();
            }
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(3));
                down.set(true);
                try {
                    c.commit();
                } catch (RuntimeException expected) {
                    // the after-commit callback's failure may reach the committer; the data is committed
                }
            }
            assertThat(count("tasks.published", "orders.sendOrderConfirmation", "orders")).isEqualTo(2);
            assertThat(count("tasks.publish.after.commit.lost", "orders.sendOrderConfirmation", "orders"))
                    .isEqualTo(1);
        }
    }
}
