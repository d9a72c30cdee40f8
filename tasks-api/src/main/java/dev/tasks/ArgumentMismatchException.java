package dev.tasks;

/** Arguments do not match the task method's parameters (count or type). */
public class ArgumentMismatchException extends EnqueueException {
    private static final long serialVersionUID = 1L;

    public ArgumentMismatchException(String taskName, String message) {
        super(taskName, message);
    }

    public ArgumentMismatchException(String taskName, String message, Throwable cause) {
        super(taskName, message, cause);
    }
}
