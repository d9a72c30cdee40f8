/**
 * Hooks: interceptors around each publish ({@link dev.tasks.hooks.PublishInterceptor}) and each run
 * ({@link dev.tasks.hooks.RunInterceptor}) of a task, and listeners of what happens to tasks on a worker
 * ({@link dev.tasks.hooks.TaskListener}), collected in {@link dev.tasks.hooks.Hooks}. See {@code docs/hooks.md}
 * for the order, the error rules and examples.
 */
package dev.tasks.hooks;
