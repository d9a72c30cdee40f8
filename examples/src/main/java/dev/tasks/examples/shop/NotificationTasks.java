package dev.tasks.examples.shop;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks of the notifications module: routed to the {@code notifications} queue. */
@TaskModule(value = "notifications", queue = "notifications")
public interface NotificationTasks {

    /**
     * Texts a customer that their order is on its way. At most 20 messages a second per customer across all
     * workers (the SMS gateway's rule): a burst for one customer is spread out, others are not held up.
     */
    @Task(maxRetries = 3, rateLimit = "20/s", rateLimitKey = "arg:0")
    void textCustomer(String customer, long orderId);
}
