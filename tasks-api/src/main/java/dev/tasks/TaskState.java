package dev.tasks;

/** The life cycle of one task, as recorded in the result store. */
public enum TaskState {
    /** Enqueued, not started (or unknown). */
    PENDING,
    /** A worker is running it. */
    STARTED,
    /** It failed and a retry is scheduled. */
    RETRY,
    /** It finished; the result is stored if the task returns one. */
    SUCCESS,
    /** It failed for good and was dead-lettered. */
    FAILURE,
    /** It expired before it could start. */
    EXPIRED,
    /** It was revoked. */
    REVOKED;

    /** Whether the task will not change state any more. */
    public boolean isFinal() {
        return this == SUCCESS || this == FAILURE || this == EXPIRED || this == REVOKED;
    }
}
