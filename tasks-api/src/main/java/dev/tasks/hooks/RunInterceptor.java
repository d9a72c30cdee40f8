package dev.tasks.hooks;

/**
 * Wraps each run of a task on a worker: set a thread-local context (MDC entries, a tenant, a span) from the
 * task's headers before the task's code runs, and clear it after.
 *
 * <p>Guarantees: called on the thread that runs the task, once per run (a retry is a new run, with the same
 * headers and a higher attempt), after the task was found runnable (not expired, revoked, unknown or a
 * duplicate) and right before its code, under its time limits; in registration order (the first registered
 * is the outermost). The returned {@link After} runs on the same thread once the run is settled (acknowledged,
 * retried or dead-lettered, and the next steps of its workflow published), so whatever the interceptor set
 * is still in place for the {@link TaskListener}s and for the publishes of the next steps. A run abandoned
 * past its hard time limit, or given back at shutdown, has its {@code After} called when its code returns.
 *
 * <p>Throwing from {@code aroundRun} is deliberate: the task's code does not run, and the run fails with
 * that exception, which its retry policy handles like any failure of the task. Implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface RunInterceptor {

    /**
     * Called before the task's code runs.
     *
     * @return what to do after the run: {@link After#NOTHING} when nothing
     */
    After aroundRun(Running run);
}
