package dev.tasks.worker.cli;

/**
 * Exit codes of the {@code tasks} command, stable across versions so supervisors and scripts can rely on
 * them.
 */
public final class ExitCodes {
    /** Success; also a worker that stopped on SIGTERM/SIGINT (warm or cold). */
    public static final int OK = 0;
    /** A runtime error: the broker failed, a task module failed to load, an unexpected exception. */
    public static final int RUNTIME_ERROR = 1;
    /** A usage or configuration error: a bad flag, URL, queue name, or a refused destructive command. */
    public static final int USAGE = 2;
    /**
     * The worker stopped itself because too many threads were stuck in tasks past their hard time limit:
     * restart the process (systemd {@code Restart=on-failure}, Kubernetes restarts it as it exits non-zero).
     */
    public static final int STUCK_THREADS = 3;

    private ExitCodes() {}

    /** The exit-code section of every command's help. */
    static final java.util.List<String> HELP = java.util.List.of(
        "Exit codes:",
        "  0  success; a worker stopped by SIGTERM/SIGINT",
        "  1  runtime error (broker unreachable, task module failed, unexpected error)",
        "  2  usage or configuration error (bad flag, URL or queue name; refused purge)",
        "  3  worker stopped itself: too many threads stuck past their hard time limit; restart it");
}
