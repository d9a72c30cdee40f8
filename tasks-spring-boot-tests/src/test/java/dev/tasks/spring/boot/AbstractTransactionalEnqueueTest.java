package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.spring.boot.app.OrderService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter's promise with no code: an application sets (at most) {@code tasks.broker.url}, and
 * {@code delayOnCommit} in a {@code @Transactional} method enqueues exactly when the transaction commits, with
 * the task row written through the transaction's own connection (the JDBC broker is on the application's
 * DataSource). Counts are exact; the worker is off, so tasks stay in the queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class AbstractTransactionalEnqueueTest {
    private static final AtomicLong IDS = new AtomicLong();
    private ConfigurableApplicationContext context;
    private OrderService orders;
    private Broker broker;

    /** The application's properties. */
    protected abstract String[] properties();

    @BeforeAll
    void start() {
        context = BootApps.start(properties());
        orders = context.getBean(OrderService.class);
        broker = context.getBean(Broker.class);
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void the_broker_is_the_jdbc_broker_on_the_applications_datasource() {
        assertThat(broker).isInstanceOf(JdbcBroker.class);
    }

    @Test
    void commits_enqueue_one_task_each_and_rollbacks_none() {
        long before = queued();
        orders.place(IDS.incrementAndGet(), false);
        assertThatThrownBy(() -> orders.place(IDS.incrementAndGet(), true)).isInstanceOf(IllegalStateException.class);
        orders.place(IDS.incrementAndGet(), false);
        assertThatThrownBy(() -> orders.place(IDS.incrementAndGet(), true)).isInstanceOf(IllegalStateException.class);
        assertThat(queued() - before).isEqualTo(2);
    }

    @Test
    void the_task_row_is_written_in_the_transaction() {
        long before = queued();
        long inside = orders.placeAndCountInside(IDS.incrementAndGet());
        assertThat(inside).as("the new row is visible through the transaction's own connection").isEqualTo(before + 1);
        assertThat(queued()).isEqualTo(before + 1);
    }

    private long queued() {
        QueueStats s = broker.stats("default");
        return s.ready() + s.delayed() + s.inFlight();
    }
}
