package dev.tasks.spring.boot.app;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The tasks of the shop. */
@TaskModule("shop")
public interface OrderTasks {
    /** Confirms an order. */
    @Task
    void confirm(long orderId);

    /** Runs until the test releases it, then records the order. */
    @Task
    void slow(long orderId);
}
