package dev.tasks;

import java.time.Duration;

/**
 * A wait for a task's result ran out before the task reached a final state. The task may still finish
 * later; waiting again is safe.
 */
public class ResultTimeoutException extends TasksException {
    private final String taskId;
    private final String taskName;
    private final TaskState lastState;
    private final Duration timeout;

    /**
     * @param taskId the task id
     * @param taskName the task name, or null if unknown
     * @param lastState the last state seen ({@link TaskState#PENDING} when nothing was recorded)
     * @param timeout how long was waited
     */
    public ResultTimeoutException(String taskId, String taskName, TaskState lastState, Duration timeout) {
        super("no final result for task " + taskId + (taskName == null ? "" : " (" + taskName + ")") + " within "
                + timeout + "; its last state is " + lastState + (lastState == TaskState.PENDING
                        ? " (not started yet, or no worker records its state)" : "")
                + "; it may still finish, wait again to see");
        this.taskId = taskId;
        this.taskName = taskName;
        this.lastState = lastState;
        this.timeout = timeout;
    }

    /** The task id. */
    public String taskId() { return taskId; }

    /** The task name, or null if unknown. */
    public String taskName() { return taskName; }

    /** The last state seen. */
    public TaskState lastState() { return lastState; }

    /** How long was waited. */
    public Duration timeout() { return timeout; }
}
