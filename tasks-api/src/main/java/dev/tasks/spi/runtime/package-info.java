/**
 * What a task runtime (the worker) needs from the API to run tasks as the API describes them: the current
 * {@link dev.tasks.TaskContext} of a running task ({@link dev.tasks.spi.runtime.TaskContextHolder}), the
 * limits a task declares ({@link dev.tasks.spi.runtime.TaskControls}: rate, concurrency, result storage)
 * and the continuation of workflows when a step finishes ({@link dev.tasks.spi.runtime.Workflows}).
 *
 * <p>Applications do not call these: they are public so that the worker, a separate module, can use them
 * without reaching into the API's {@code internal} package; they change only with the runtime that uses
 * them, and the release notes say so.
 */
package dev.tasks.spi.runtime;
