package dev.tasks.worker;

/** Why a {@link Worker} terminated. */
public enum Termination {
    /** {@link Worker#stop}, {@link Worker#stopNow()} or {@link Worker#close()} was called. */
    STOPPED,
    /**
     * The worker stopped itself because more threads than
     * {@link WorkerConfig#maxStuckThreads()} were stuck in tasks past their hard time limit. Such threads
     * cannot be killed in the JVM: the process should exit and be restarted by its supervisor (the CLI
     * exits with code 3).
     */
    TOO_MANY_STUCK_THREADS
}
