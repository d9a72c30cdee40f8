package dev.tasks.spi;

import dev.tasks.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Task states and results by task id, kept for a time to live. Thread-safe. */
public interface ResultStore {

    /** Stores (replaces) the record of a task. */
    void put(StoredResult result, Duration ttl);

    /** The record of a task, if stored and not expired. */
    Optional<StoredResult> get(String taskId);

    /**
     * Waits until the record of a task is in a final state ({@link TaskState#isFinal()}) or
     * {@code timeout} passes. Implementations wake on the write of the record (a monitor, pub/sub,
     * {@code LISTEN/NOTIFY}); this default polls with a backoff from 5 ms up to 500 ms, for stores that
     * cannot be notified.
     *
     * @return the final record, or the last record seen (empty if none) when the timeout passed
     * @throws dev.tasks.BrokerException when the store cannot be read
     * @throws dev.tasks.TasksException when the thread is interrupted (the interrupt flag is set)
     */
    default Optional<StoredResult> await(String taskId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 5;
        while (true) {
            Optional<StoredResult> r = get(taskId);
            long left = deadline - System.nanoTime();
            if ((r.isPresent() && r.get().state().isFinal()) || left <= 0) {
                return r;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(pause, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.tasks.TasksException("interrupted while waiting for the result of task " + taskId, e);
            }
            pause = Math.min(pause * 2, 500);
        }
    }

    /**
     * What is known of one task.
     *
     * @param taskId the task id
     * @param taskName the task name
     * @param state its state
     * @param value the return value as JSON text, or null
     * @param error the failure ("ExceptionClass: message"), or null
     * @param updatedAt when this record was written
     */
    record StoredResult(String taskId, String taskName, TaskState state, String value, String error, Instant updatedAt) {}
}
