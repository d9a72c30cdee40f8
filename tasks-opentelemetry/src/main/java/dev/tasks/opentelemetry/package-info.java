/**
 * OpenTelemetry tracing of tasks ({@link dev.tasks.opentelemetry.TasksTracing}), built on the hooks of
 * {@code dev.tasks.hooks}: producer spans per publish, consumer spans per run, W3C trace context in the
 * task headers.
 */
package dev.tasks.opentelemetry;
