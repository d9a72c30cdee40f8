package dev.tasks.opentelemetry;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.util.List;

/** Tasks the tracing tests run. */
@TaskModule("traced")
public interface TracedTasks {

    @Task
    int add(int a, int b);

    @Task
    int mul(int value, int factor);

    @Task
    int sum(List<Integer> values);

    @Task(maxRetries = 3, retryBackoff = "PT0.01S", retryBackoffMax = "PT0.02S")
    void flaky(String key, int failures);
}
