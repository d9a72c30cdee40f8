package dev.tasks;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.ResultStore.StoredResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
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
    private final Broker broker;
    private final Clock clock;

    /** How long a revocation is remembered by the broker: a revoked task due later than this may run. */
    public static final Duration REVOKE_TTL = Duration.ofDays(7);

    /** How long the {@link TaskState#REVOKED} record written by {@link #revoke()} is kept. */
    public static final Duration REVOKED_RECORD_TTL = Duration.ofDays(1);

    /**
     * A handle reading state from {@code results}.
     *
     * @param taskName the task name, or null if unknown
     * @param queue the queue, or null if unknown
     * @param results where the task's state is recorded, or null for none
     */
    public static TaskHandle of(String id, String taskName, String queue, ResultStore results) {
        return new TaskHandle(id, taskName, queue, results, null, Clock.systemUTC());
    }

    /**
     * A handle reading state from {@code broker}'s result store, able to {@link #revoke()} through it.
     *
     * @param taskName the task name, or null if unknown
     * @param queue the queue, or null if unknown
     * @param clock the clock for the time of a revocation record
     */
    public static TaskHandle of(String id, String taskName, String queue, Broker broker, Clock clock) {
        Objects.requireNonNull(broker, "broker");
        return new TaskHandle(id, taskName, queue, broker.results(), broker, Objects.requireNonNull(clock, "clock"));
    }

    private TaskHandle(String id, String taskName, String queue, ResultStore results, Broker broker, Clock clock) {
        this.id = Objects.requireNonNull(id, "id");
        this.taskName = taskName;
        this.queue = queue;
        this.results = results;
        this.broker = broker;
        this.clock = clock;
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

    /**
     * Waits until the task reaches a final state ({@link TaskState#isFinal()}) and returns its record. The
     * wait is woken by the result store (no busy polling). States are recorded for tasks that return a
     * value, tasks with {@code @Task(storeResult = true)}, and tasks of workflows.
     *
     * @throws ResultTimeoutException naming the task and its last state when {@code timeout} passes first
     * @throws IllegalStateException when this handle has no result store
     * @throws BrokerException when the result store cannot be read
     */
    public StoredResult await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (results == null) {
            throw new IllegalStateException("handle of task " + id + " has no result store to wait on");
        }
        Optional<StoredResult> r = results.await(id, timeout);
        if (r.isEmpty() || !r.get().state().isFinal()) {
            throw new ResultTimeoutException(id, r.map(StoredResult::taskName).orElse(taskName),
                    r.map(StoredResult::state).orElse(TaskState.PENDING), timeout);
        }
        return r.get();
    }

    /**
     * Waits for the task's return value and decodes it (JSON, with {@link EnvelopeCodec#mapper()}).
     *
     * @throws TaskFailedException when the task failed, expired or was revoked
     * @throws ResultTimeoutException when {@code timeout} passes first
     * @throws dev.tasks.MessageDecodeException when the stored value does not fit {@code type}
     */
    public <T> T result(Class<T> type, Duration timeout) {
        Objects.requireNonNull(type, "type");
        return decode(await(timeout), EnvelopeCodec.json().mapper().constructType(type));
    }

    /** As {@link #result(Class, Duration)}, for generic types ({@code new TypeReference<List<Long>>() {}}). */
    public <T> T result(TypeReference<T> type, Duration timeout) {
        Objects.requireNonNull(type, "type");
        return decode(await(timeout), EnvelopeCodec.json().mapper().getTypeFactory().constructType(type));
    }

    static <T> T decode(StoredResult r, JavaType type) {
        if (r.state() != TaskState.SUCCESS) {
            throw new TaskFailedException(r.taskId(), r.taskName(), r.state(), r.error());
        }
        if (r.value() == null) {
            return null;
        }
        try {
            return EnvelopeCodec.json().mapper().readValue(r.value(), type);
        } catch (IOException e) {
            throw new MessageDecodeException("result of task " + r.taskId() + " (" + r.taskName() + ") cannot be read as "
                    + type.toCanonical() + ": " + e.getMessage(), r.value(), e);
        }
    }

    /** Revokes the task without interrupting a run in progress: see {@link #revoke(boolean)}. */
    public void revoke() {
        revoke(false);
    }

    /**
     * Revokes the task: a worker that has not started it yet never will (even if no worker is running now,
     * and for a delayed task), and its state becomes {@link TaskState#REVOKED}. With {@code terminate}, a
     * run in progress is interrupted (its soft-time-limit path) when its worker next checks, within its
     * heartbeat interval. The revocation is remembered for {@link #REVOKE_TTL}. Revoking a finished task
     * changes nothing.
     *
     * @throws IllegalStateException when this handle was made without a broker
     * @throws BrokerException when the broker fails
     */
    public void revoke(boolean terminate) {
        if (broker == null) {
            throw new IllegalStateException("handle of task " + id + " was made without a broker and cannot revoke");
        }
        broker.control().revoke(id, terminate, REVOKE_TTL);
        Optional<StoredResult> r = results.get(id);
        if (r.isEmpty() || !r.get().state().isFinal()) {
            results.put(new StoredResult(id, r.map(StoredResult::taskName).orElse(taskName), TaskState.REVOKED, null,
                    "revoked" + (terminate ? " (terminate)" : ""), clock.instant()), REVOKED_RECORD_TTL);
        }
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
