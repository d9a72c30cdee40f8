package dev.tasks.hooks;

/**
 * One run of a task on a worker, as a {@link RunInterceptor} or a {@link TaskListener} sees it. Each retry
 * is a new run, with {@link #attempt()} one higher and the same id and headers.
 */
public interface Running extends TaskInfo {

    /** Which attempt this is: 0 for the first run, 1 for the first retry, and so on. */
    int attempt();
}
