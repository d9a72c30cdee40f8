package dev.tasks.spi.runtime;

import dev.tasks.TaskContext;

/** Binds the running task's context to its thread. For the worker runtime only; not a public API. */
public final class TaskContextHolder {
    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private TaskContextHolder() {}

    public static TaskContext get() {
        return CURRENT.get();
    }

    public static void set(TaskContext context) {
        CURRENT.set(context);
    }

    public static void clear() {
        CURRENT.remove();
    }
}
