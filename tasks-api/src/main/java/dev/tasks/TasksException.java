package dev.tasks;

/**
 * The root of every exception this library throws. Unchecked; subclasses carry the fields that identify
 * what went wrong (task name, task id, queue) both as getters and in the message.
 */
public class TasksException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TasksException(String message) {
        super(message);
    }

    public TasksException(String message, Throwable cause) {
        super(message, cause);
    }
}
