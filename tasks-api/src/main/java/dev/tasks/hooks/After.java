package dev.tasks.hooks;

/**
 * What an interceptor does once the publish or the run it wrapped has finished, e.g. end a span or restore
 * a thread-local. Called exactly once per successful {@code around...} call, on the same thread, in reverse
 * registration order (the outermost interceptor last). An exception thrown here is logged (once per kind of
 * hook) and counted; it never changes the outcome of the publish or the run.
 */
@FunctionalInterface
public interface After {

    /** Nothing to do afterwards. */
    After NOTHING = failure -> {};

    /**
     * The wrapped publish or run finished.
     *
     * @param failure null on success; else what the broker threw for a publish, or what the task threw for a
     *     run (including a {@code RetryRequested}), or what a later interceptor threw from its {@code around}
     */
    void after(Throwable failure);
}
