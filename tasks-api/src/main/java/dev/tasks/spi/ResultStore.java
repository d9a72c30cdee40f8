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
