package dev.tasks.examples.docs;

import dev.tasks.Tasks;
import dev.tasks.examples.shop.OrderTasks;
import org.springframework.transaction.annotation.Transactional;

/** The sample of docs/spring.md: a Spring {@code @Transactional} service that enqueues when it commits. */
public class SpringOrderService {
    /** An order. */
    public record Order(long id) {}

    /** Where orders are written, in the caller's transaction. */
    public interface OrderRepository {
        /** Inserts the order. */
        void insert(Order order);
    }

    private final OrderRepository orders;
    private final Tasks tasks;

    /** A service writing through {@code orders} and enqueueing through {@code tasks}. */
    public SpringOrderService(OrderRepository orders, Tasks tasks) {
        this.orders = orders;
        this.tasks = tasks;
    }

    /** Writes the order and enqueues its confirmation when the transaction commits. */
    @Transactional
    public void placeOrder(Order order) {
        orders.insert(order);
        tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(order.id()));
    }
}
