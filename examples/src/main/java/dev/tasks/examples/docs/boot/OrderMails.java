package dev.tasks.examples.docs.boot;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The task interface of the Spring Boot sample. */
@TaskModule("orders")
public interface OrderMails {
    @Task
    void sendConfirmation(long orderId);
}
