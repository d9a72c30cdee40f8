package dev.tasks.dashboard;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks of the dashboard tests. */
@TaskModule("dash")
public interface DashTasks {
    /** Records a run of {@code key}. */
    @Task(maxRetries = 0)
    void ok(String key);

    /** Fails while {@link DashTasksImpl#failing} holds {@code key}, else records a run; never retried. */
    @Task(maxRetries = 0)
    void flaky(String key);
}
