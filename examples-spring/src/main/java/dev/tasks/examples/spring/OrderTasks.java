package dev.tasks.examples.spring;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The order tasks: what producers see. Routed to the {@code orders} queue. */
@TaskModule(value = "orders", queue = "orders")
public interface OrderTasks {
    /** Emails the order's confirmation and marks the order confirmed; at most once per order. */
    @Task(maxRetries = 5, retryBackoff = "PT1S")
    void sendConfirmation(long orderId);
}
