package dev.tasks.examples.shop;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks of the orders module: routed to the {@code orders} queue. */
@TaskModule(value = "orders", queue = "orders")
public interface OrderTasks {

    /** Emails the order confirmation; retried on mail-server trouble, at most once per order. */
    @Task(maxRetries = 5, retryBackoff = "PT1S", retryBackoffMax = "PT30S", dontRetryOn = IllegalArgumentException.class)
    void sendOrderConfirmation(long orderId);
}
