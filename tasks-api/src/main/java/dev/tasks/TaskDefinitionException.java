package dev.tasks;

/** A task interface or annotation is invalid; thrown at registration, naming the method or type. */
public class TaskDefinitionException extends TasksException {
    private static final long serialVersionUID = 1L;

    public TaskDefinitionException(String message) {
        super(message);
    }

    public TaskDefinitionException(String message, Throwable cause) {
        super(message, cause);
    }
}
