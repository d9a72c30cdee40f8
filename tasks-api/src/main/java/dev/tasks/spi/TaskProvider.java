package dev.tasks.spi;

import dev.tasks.TaskRegistry;

/**
 * Registers an application's tasks. Listed in {@code META-INF/services/dev.tasks.spi.TaskProvider}, it
 * lets {@code worker} find tasks on the class path without code of its own.
 */
public interface TaskProvider {

    /** Registers task interfaces and their implementations. */
    void register(TaskRegistry.Builder registry);

    /**
     * Adds the application's hooks (interceptors and listeners), for a {@code Tasks} or {@code Worker} that
     * discovers hooks on the class path (their default). Default: none.
     */
    default void hooks(dev.tasks.hooks.Hooks.Builder hooks) {}
}
