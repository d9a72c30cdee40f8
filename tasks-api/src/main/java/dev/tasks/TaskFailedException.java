package dev.tasks;

/**
 * A task whose result was asked for ended without one: it failed for good ({@link TaskState#FAILURE}),
 * expired, or was revoked. Carries the task id, name, final state and the stored error summary.
 */
public class TaskFailedException extends TasksException {
    private final String taskId;
    private final String taskName;
    private final TaskState state;
    private final String error;

    /**
     * @param taskId the task id
     * @param taskName the task name, or null if unknown
     * @param state the final state
     * @param error the stored error summary ("ExceptionClass: message"), or null
     */
    public TaskFailedException(String taskId, String taskName, TaskState state, String error) {
        super("task " + taskId + (taskName == null ? "" : " (" + taskName + ")") + " ended "
                + state + (error == null ? "" : ": " + error));
        this.taskId = taskId;
        this.taskName = taskName;
        this.state = state;
        this.error = error;
    }

    /** The task id. */
    public String taskId() { return taskId; }

    /** The task name, or null if unknown. */
    public String taskName() { return taskName; }

    /** The final state: {@link TaskState#FAILURE}, {@link TaskState#EXPIRED} or {@link TaskState#REVOKED}. */
    public TaskState state() { return state; }

    /** The error summary as stored by the worker, or null. */
    public String error() { return error; }
}
