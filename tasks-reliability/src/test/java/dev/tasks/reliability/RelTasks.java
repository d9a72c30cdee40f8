package dev.tasks.reliability;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The tasks the suite runs, in this JVM and in worker processes (see {@link RelTaskProvider}). */
@TaskModule("rel")
public interface RelTasks {

    /** Records one run of {@code key} in the run log, after sleeping {@code millis}. */
    @Task(name = "rel.record", maxRetries = 10, retryBackoff = "PT0.1S", retryBackoffMax = "PT2S")
    void record(String key, long millis);

    /**
     * Records {@code <key>:start}, then its side effect {@code <key>:effect}, in the run log. In a JVM with
     * {@code -Drel.hold=true}, the first run of a key starting with {@code hold-} records
     * {@code <key>:pid-<its process id>} and blocks between the two until its thread is interrupted (the worker
     * holds the task's idempotency key meanwhile).
     */
    @Task(name = "rel.keyed", maxRetries = 3, retryBackoff = "PT0.1S")
    void keyed(String key);

    /** Does nothing (load runs). */
    @Task(name = "rel.noop", maxRetries = 0)
    void noop(long n);

    /** Records that it ran with a value whose JSON type is whatever the message held. */
    @Task(name = "rel.echo", maxRetries = 0)
    void echo(Object value);

    /** Adds two numbers (typed arguments for the bad-input properties). */
    @Task(name = "rel.add", maxRetries = 0)
    int add(int a, int b);

    /**
     * Records {@code key|pid|start millis} in the run log: at most 50 runs a second across all workers
     * ({@link RateLimitAcrossProcessesTest}).
     */
    @Task(name = "rel.limited50", maxRetries = 3, rateLimit = "50/s")
    void limited50(String key);

    /** Records {@code key|pid|start millis} in the run log: at most 10 runs a second per customer. */
    @Task(name = "rel.limitedPerCustomer", maxRetries = 3, rateLimit = "10/s", rateLimitKey = "arg:0")
    void limitedPerCustomer(String customer, String key);

    /** Like {@link #record}, but acknowledged before it runs (at most once). */
    @Task(name = "rel.early", acksLate = false, maxRetries = 0)
    void early(String key, long millis);

    /** A chord member: records {@code key} after sleeping {@code millis}, and returns {@code value}. */
    @Task(name = "rel.member", maxRetries = 10, retryBackoff = "PT0.1S", retryBackoffMax = "PT2S")
    int member(String key, int value, long millis);

    /** A chord callback: records {@code key=<sum of the members' values>/<their count>}. */
    @Task(name = "rel.total", maxRetries = 10, retryBackoff = "PT0.1S", retryBackoffMax = "PT2S")
    void total(java.util.List<Integer> values, String key);

    /** Takes a list of strings (typed arguments for the bad-input properties). */
    @Task(name = "rel.names", maxRetries = 0)
    void names(java.util.List<String> names);
}
