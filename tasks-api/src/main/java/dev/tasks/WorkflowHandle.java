package dev.tasks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.ResultStore.StoredResult;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A reference to a started {@link Workflow}. Immutable and thread-safe.
 *
 * <p>Its result is the result of its last part: the last step of a chain, the callback of a chord, or for
 * a group the list of its members' results (in member order). A chain stopped by a failure reports that
 * failure: the steps that never ran are recorded as {@link TaskState#FAILURE} naming the step that failed.
 */
public final class WorkflowHandle {
    private final String id;
    private final List<TaskHandle> tasks;
    private final List<TaskHandle> results;
    private final boolean list;

    /**
     * @param id the workflow's id (its group or chord id, or the id of its first task)
     * @param tasks every task of the workflow, in start order
     * @param results the tasks whose results make the workflow's result
     * @param list whether the result is the list of {@code results}' values (a group) or the single one's
     */
    public WorkflowHandle(String id, List<TaskHandle> tasks, List<TaskHandle> results, boolean list) {
        this.id = Objects.requireNonNull(id, "id");
        this.tasks = List.copyOf(tasks);
        this.results = List.copyOf(results);
        this.list = list;
        if (!list && this.results.size() != 1) {
            throw new IllegalArgumentException("a workflow without a list result has exactly one result task, got "
                    + this.results.size());
        }
    }

    /** The workflow's id. */
    public String id() { return id; }

    /** Every task of the workflow (ids are assigned when it starts, so tasks not yet run are included). */
    public List<TaskHandle> tasks() { return tasks; }

    /** The tasks whose results make the workflow's result. */
    public List<TaskHandle> resultTasks() { return results; }

    /** Whether the result is a list (the workflow ends in a group). */
    public boolean isList() { return list; }

    /**
     * The state: of the result task; for a group, {@link TaskState#SUCCESS} when all succeeded, the state
     * of the first member that ended otherwise, else {@link TaskState#STARTED} once any has started, else
     * {@link TaskState#PENDING}.
     */
    public TaskState state() {
        if (!list) {
            return results.get(0).state();
        }
        boolean allDone = true;
        boolean started = false;
        for (TaskHandle h : results) {
            TaskState s = h.state();
            if (s.isFinal() && s != TaskState.SUCCESS) {
                return s;
            }
            allDone &= s == TaskState.SUCCESS;
            started |= s != TaskState.PENDING;
        }
        return allDone ? TaskState.SUCCESS : started ? TaskState.STARTED : TaskState.PENDING;
    }

    /**
     * Waits until the workflow's result is final and returns it: the result task's record, or for a group a
     * record whose value is the JSON list of the members' values (or, if a member ended without success,
     * that member's state and error, returned as soon as it is seen).
     *
     * @throws ResultTimeoutException naming the task still unfinished when {@code timeout} passes first
     */
    public StoredResult await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (!list) {
            return results.get(0).await(timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ArrayNode values = JsonNodeFactory.instance.arrayNode();
        Instant last = null;
        for (TaskHandle h : results) {
            StoredResult r = h.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (r.state() != TaskState.SUCCESS) {
                return new StoredResult(id, "group", r.state(), null, "member " + r.taskId() + " (" + r.taskName()
                        + ") ended " + r.state() + (r.error() == null ? "" : ": " + r.error()), r.updatedAt());
            }
            try {
                values.add(r.value() == null ? JsonNodeFactory.instance.nullNode()
                        : EnvelopeCodec.json().mapper().readTree(r.value()));
            } catch (IOException e) {
                throw new MessageDecodeException("result of task " + r.taskId() + " is not JSON: " + e.getMessage(),
                        r.value(), e);
            }
            if (r.updatedAt() != null && (last == null || r.updatedAt().isAfter(last))) {
                last = r.updatedAt();
            }
        }
        return new StoredResult(id, "group", TaskState.SUCCESS, values.toString(), null, last);
    }

    /**
     * Waits for the workflow's result and decodes it (a group's as a list, e.g. {@code List.class} or a
     * {@link TypeReference}).
     *
     * @throws TaskFailedException when the result task (or a group member) failed, expired or was revoked
     * @throws ResultTimeoutException when {@code timeout} passes first
     */
    public <T> T result(Class<T> type, Duration timeout) {
        return TaskHandle.decode(await(timeout), EnvelopeCodec.json().mapper().constructType(type));
    }

    /** As {@link #result(Class, Duration)}, for generic types. */
    public <T> T result(TypeReference<T> type, Duration timeout) {
        JavaType t = EnvelopeCodec.json().mapper().getTypeFactory().constructType(type);
        return TaskHandle.decode(await(timeout), t);
    }

    /** Revokes every task of the workflow that has not started (see {@link TaskHandle#revoke(boolean)}). */
    public void revoke(boolean terminate) {
        for (TaskHandle h : tasks) {
            h.revoke(terminate);
        }
    }

    /** Revokes every task of the workflow without interrupting runs in progress. */
    public void revoke() {
        revoke(false);
    }

    @Override
    public String toString() {
        return "WorkflowHandle[" + id + ", " + tasks.size() + " task(s)]";
    }
}
