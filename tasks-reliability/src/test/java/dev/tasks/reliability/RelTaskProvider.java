package dev.tasks.reliability;

import dev.tasks.TaskRegistry;
import dev.tasks.spi.TaskProvider;

/**
 * Registers {@link RelTasks} in a worker process started by a test ({@code --app}); the run log comes from
 * the system property {@code rel.runlog} (a {@link RunLog#open} URL), opened on first use.
 */
public final class RelTaskProvider implements TaskProvider {
    private static volatile RunLog log;

    @Override
    public void register(TaskRegistry.Builder registry) {
        registry.register(RelTasks.class, new RelTasksImpl(RelTaskProvider::log));
    }

    private static RunLog log() {
        RunLog l = log;
        if (l == null) {
            synchronized (RelTaskProvider.class) {
                l = log;
                if (l == null) {
                    String url = System.getProperty("rel.runlog");
                    if (url == null) {
                        throw new IllegalStateException("system property rel.runlog is not set");
                    }
                    l = RunLog.open(url);
                    log = l;
                }
            }
        }
        return l;
    }
}
