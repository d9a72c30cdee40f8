package dev.tasks;

import dev.tasks.spi.runtime.TaskContextHolder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What a running task can know about its own run. Obtained with {@link #current()} on the task's thread.
 */
public interface TaskContext {

    /**
     * The context of the task running on this thread.
     *
     * @throws IllegalStateException when called outside a task run
     */
    static TaskContext current() {
        TaskContext ctx = TaskContextHolder.get();
        if (ctx == null) {
            throw new IllegalStateException("TaskContext.current() called outside a running task (thread "
                    + Thread.currentThread().getName() + ")");
        }
        return ctx;
    }

    /** The context of the task running on this thread, if any. */
    static Optional<TaskContext> find() {
        return Optional.ofNullable(TaskContextHolder.get());
    }

    /** The task id (the same across retries). */
    String taskId();

    /** The task name. */
    String taskName();

    /** The queue it was fetched from. */
    String queue();

    /** 0 on the first run, n on the n-th retry. */
    int attempt();

    /** Retries left after this attempt. */
    int retriesLeft();

    /** The message headers. */
    Map<String, String> headers();

    /** The idempotency key of this run, if any. */
    Optional<String> idempotencyKey();

    /** Whether the soft time limit has passed. */
    boolean isSoftTimeLimitExceeded();

    /** Throws {@link SoftTimeLimitExceeded} if the soft time limit has passed; for loops that poll. */
    default void checkSoftTimeLimit() {
        if (isSoftTimeLimitExceeded()) {
            throw new SoftTimeLimitExceeded("soft time limit exceeded for task " + taskId() + " (" + taskName() + ")");
        }
    }

    /**
     * Asks for another attempt after {@code countdown} (Celery's {@code self.retry}); counts against
     * {@link Task#maxRetries()}. Always throws; write {@code throw ctx.retry(...)} so the compiler knows.
     *
     * @throws RetryRequested always
     */
    RetryRequested retry(Duration countdown);

    /** As {@link #retry(Duration)}, recording {@code cause} as the reason. */
    RetryRequested retry(Duration countdown, Throwable cause);
}
