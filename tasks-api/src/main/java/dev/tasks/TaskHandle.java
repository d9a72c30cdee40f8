package dev.tasks;

import dev.tasks.spi.ResultStore;
import dev.tasks.spi.ResultStore.StoredResult;
import java.util.Objects;
import java.util.Optional;

/**
 * A reference to an enqueued task. Immutable and thread-safe; it can be rebuilt from the id alone.
 *
 * <p>The id is assigned before the task is published, so a {@code delayOnCommit} handle is valid even
 * before the transaction commits (the task exists only once it has).
 */
public final class TaskHandle {
    private final String id;
    private final String taskName;
    private final String queue;
    private final ResultStore results;

    /**
     * A handle reading state from {@code results}.
     *
     * @param taskName the task name, or null if unknown
     * @param queue the queue, or null if unknown
     * @param results where the task's state is recorded, or null for none
     */
    public static TaskHandle of(String id, String taskName, String queue, ResultStore results) {
        return new TaskHandle(id, taskName, queue, results);
    }

    private TaskHandle(String id, String taskName, String queue, ResultStore results) {
        this.id = Objects.requireNonNull(id, "id");
        this.taskName = taskName;
        this.queue = queue;
        this.results = results;
    }

    /** The task id. */
    public String id() { return id; }

    /** The task name. */
    public String taskName() { return taskName; }

    /** The queue it was routed to. */
    public String queue() { return queue; }

    /**
     * The task's last recorded state: {@link TaskState#PENDING} when nothing is recorded (states are recorded
     * for tasks that return a value).
     *
     * @throws BrokerException when the result store cannot be read
     */
    public TaskState state() {
        return record().map(StoredResult::state).orElse(TaskState.PENDING);
    }

    /** The task's stored record (state, JSON result, error), if any. */
    public Optional<StoredResult> record() {
        return results == null ? Optional.empty() : results.get(id);
    }

    @Override
    public String toString() {
        return "TaskHandle[" + id + " " + taskName + " -> " + queue + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskHandle h && h.id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }
}
