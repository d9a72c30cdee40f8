package dev.tasks;

/** No task of this name (or alias) is registered. */
public class UnknownTaskException extends TasksException {
    private static final long serialVersionUID = 1L;
    private final String taskName;

    public UnknownTaskException(String taskName, String message) {
        super(message);
        this.taskName = taskName;
    }

    /** The name that was not found. */
    public String taskName() {
        return taskName;
    }
}
