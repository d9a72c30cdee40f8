package dev.tasks;

/** How a task's idempotency key is chosen when the caller does not give one. */
public enum IdempotencyPolicy {
    /** Only a key given per call ({@link EnqueueOptions#idempotencyKey(String)}) is used. */
    EXPLICIT,
    /**
     * The key is the task name and a digest of its JSON arguments: the same call enqueued twice runs once
     * within the retention period.
     */
    ARGUMENTS
}
