package dev.tasks;

/**
 * Thrown inside a task when its soft time limit passed, by {@link TaskContext#checkSoftTimeLimit()} or
 * by the worker's interrupt. A task may catch it, clean up and rethrow (the run then fails and follows
 * its retry policy) or finish normally (the run succeeds).
 */
public class SoftTimeLimitExceeded extends TasksException {
    private static final long serialVersionUID = 1L;

    public SoftTimeLimitExceeded(String message) {
        super(message);
    }
}
