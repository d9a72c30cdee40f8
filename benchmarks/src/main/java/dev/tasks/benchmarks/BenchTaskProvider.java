package dev.tasks.benchmarks;

import dev.tasks.TaskRegistry;
import dev.tasks.spi.TaskProvider;

/**
 * Registers {@link BenchTasks} with a no-op implementation, for worker processes started with
 * {@code java -cp tasks-benchmarks.jar dev.tasks.worker.cli.TasksCli worker ...} (listed in
 * {@code META-INF/services/dev.tasks.spi.TaskProvider}).
 */
public final class BenchTaskProvider implements TaskProvider {

    /** Registers the no-op task. */
    @Override
    public void register(TaskRegistry.Builder registry) {
        registry.register(BenchTasks.class, Probe::started);
    }

    static TaskRegistry registry() {
        TaskRegistry.Builder b = TaskRegistry.builder();
        new BenchTaskProvider().register(b);
        return b.build();
    }
}
