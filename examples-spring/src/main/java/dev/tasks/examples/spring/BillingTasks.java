package dev.tasks.examples.spring;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The billing tasks: what producers see. Routed to the {@code billing} queue. */
@TaskModule(value = "billing", queue = "billing")
public interface BillingTasks {
    /** Charges the order's amount; at most one payment per order, however often it is delivered. */
    @Task(maxRetries = 3, retryBackoff = "PT1S")
    void chargeCard(long orderId);
}
