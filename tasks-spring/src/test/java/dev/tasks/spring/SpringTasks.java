package dev.tasks.spring;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The task the Spring tests enqueue. */
@TaskModule("spring")
public interface SpringTasks {
    /** Confirms an order. */
    @Task
    void confirm(long orderId);
}
