package dev.tasks.worker;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks the worker tests run; each records what happened in a {@link Recorder}. */
@TaskModule("wt")
public interface WorkerTestTasks {

    @Task
    void record(String marker);

    @Task
    int add(int a, int b);

    @Task(maxRetries = 3, retryBackoff = "PT0.01S", retryBackoffMax = "PT0.04S")
    void flaky(String key, int failures);

    @Task(maxRetries = 2, retryBackoff = "PT0.01S", retryBackoffMax = "PT0.02S")
    String alwaysFails(String key);

    @Task(maxRetries = 5, retryBackoff = "PT0.01S", dontRetryOn = IllegalArgumentException.class)
    void notRetryable(String key);

    @Task(maxRetries = 3)
    void retryWithCountdown(String key, int times, long countdownMillis);

    @Task(maxRetries = 0, softTimeLimit = "PT0.2S", timeLimit = "PT10S")
    void softLimitReraise(String key);

    @Task(maxRetries = 0, softTimeLimit = "PT0.2S", timeLimit = "PT10S")
    void softLimitCatch(String key);

    @Task(maxRetries = 0, timeLimit = "PT0.3S")
    void spin(String key);

    @Task
    void slow(String key, long millis);

    @Task(acksLate = false)
    void early(String key);

    @Task
    void threadName(String key);
}
