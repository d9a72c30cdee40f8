package dev.tasks.worker;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.util.List;

/** Tasks for the workflow, revocation and limit tests. */
@TaskModule("canvas")
public interface CanvasTasks {

    @Task
    int add(int a, int b);

    @Task
    int mul(int value, int factor);

    @Task
    int plusOne(int value);

    @Task
    int sum(List<Integer> values);

    @Task(maxRetries = 0)
    int boom(String message);

    @Task(storeResult = true, maxRetries = 0)
    void block(String id);

    @Task
    void mark(String id);

    @Task(rateLimit = "20/s", maxRetries = 0)
    void limited(String id);

    @Task(rateLimit = "20/s", rateLimitKey = "arg:0", maxRetries = 0)
    void perCustomer(String customer, int n);

    @Task(concurrency = 2, maxRetries = 0)
    void exclusive(String id);
}
