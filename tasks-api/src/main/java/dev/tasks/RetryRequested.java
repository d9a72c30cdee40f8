package dev.tasks;

import java.time.Duration;

/**
 * Thrown by {@link TaskContext#retry(Duration)} to ask the worker to run the task again after a countdown.
 * Counts as an attempt against {@link Task#maxRetries()}. Do not catch it in task code.
 */
public final class RetryRequested extends TasksException {
    private static final long serialVersionUID = 1L;
    private final transient Duration countdown;

    public RetryRequested(Duration countdown, Throwable cause) {
        super("retry requested in " + countdown, cause);
        this.countdown = countdown;
    }

    /** How long to wait before the next attempt. */
    public Duration countdown() {
        return countdown;
    }
}
