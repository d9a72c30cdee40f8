package dev.tasks.hooks;

import java.time.Duration;

/**
 * Hears what happens to tasks on a worker, after it happened. Every method has an empty default; override
 * those of interest. Called on the worker's threads (mostly the thread that ran the task, inside its
 * {@link RunInterceptor}s), in registration order. An exception thrown by a listener is logged (once per
 * kind of event) and counted in the {@code tasks.hook.failures} metric; it never changes what happens to the
 * task, and the other listeners are still called. Implementations must be thread-safe and quick: they run
 * on the task's slot.
 */
public interface TaskListener {

    /**
     * A run failed and the task was scheduled to run again.
     *
     * @param run the run that failed
     * @param cause what the task threw (the cause of a {@code RetryRequested}, when it has one)
     * @param delay how long until the retry
     */
    default void onRetry(Running run, Throwable cause, Duration delay) {}

    /**
     * The task was dead-lettered (retries exhausted, not retryable, malformed, unknown for too long,
     * delivered too often, arguments that do not fit): it will not run again unless replayed.
     *
     * @param task the task; for a message that could not be decoded, its id is the message id and its name
     *     {@code "(not decoded)"}
     * @param reason the reason stored with the dead letter
     */
    default void onDeadLetter(TaskInfo task, String reason) {}

    /** The task was revoked: dropped before it ran, or terminated while it ran. */
    default void onRevoked(TaskInfo task) {}

    /** The task expired before it could run, and was dropped without running. */
    default void onExpired(TaskInfo task) {}

    /** A worker started (after it began fetching). */
    default void onWorkerStarted(String workerId) {}

    /** A worker stopped (after its last task was settled or given back). */
    default void onWorkerStopped(String workerId) {}
}
