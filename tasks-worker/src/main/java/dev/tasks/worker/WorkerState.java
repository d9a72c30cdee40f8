package dev.tasks.worker;

/** The life cycle of a {@link Worker}; it only moves forward. */
public enum WorkerState {
    /** Built, not started. */
    NEW,
    /** Fetching and running tasks. */
    RUNNING,
    /** Not fetching any more; finishing or giving back what it holds. */
    STOPPING,
    /** Stopped: holds no lease and runs no task (threads stuck past their hard limit may still spin). */
    TERMINATED
}
