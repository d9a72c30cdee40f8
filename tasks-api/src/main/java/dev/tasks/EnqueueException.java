package dev.tasks;

/** A task could not be enqueued; nothing was published. Carries the task name. */
public class EnqueueException extends TasksException {
    private static final long serialVersionUID = 1L;
    private final String taskName;

    public EnqueueException(String taskName, String message) {
        super(message);
        this.taskName = taskName;
    }

    public EnqueueException(String taskName, String message, Throwable cause) {
        super(message, cause);
        this.taskName = taskName;
    }

    /** The task that was being enqueued. */
    public String taskName() {
        return taskName;
    }
}
