package dev.tasks.worker;

/** The kind of threads that run tasks. */
public enum PoolType {
    /** One platform thread per slot (the default; works on every supported JVM). */
    PLATFORM,
    /**
     * One virtual thread per slot. Needs a JVM with virtual threads (21 or later); building a worker with
     * it on an older JVM fails with a {@link dev.tasks.ConfigurationException}.
     */
    VIRTUAL
}
