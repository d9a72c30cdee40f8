package dev.tasks.examples.docs;

import dev.tasks.Tasks;
import dev.tasks.TaskRegistry;
import dev.tasks.hooks.Hooks;
import dev.tasks.opentelemetry.TasksTracing;
import dev.tasks.spi.Broker;
import dev.tasks.worker.Worker;
import io.opentelemetry.api.OpenTelemetry;

/** The tracing part of the hooks guide: one trace from the request through every task it starts. */
public final class TracingWiring {
    private TracingWiring() {}

    static Tasks tracedClient(OpenTelemetry openTelemetry, Broker broker) {
        Hooks tracing = TasksTracing.builder(openTelemetry).messagingSystem(broker).build().hooks();
        return Tasks.builder().broker(broker).declare(InvoiceTasks.class).hooks(tracing).build();
    }

    static Worker tracedWorker(OpenTelemetry openTelemetry, Broker broker, TaskRegistry registry) {
        Hooks tracing = TasksTracing.builder(openTelemetry).messagingSystem(broker).build().hooks();
        return Worker.builder().broker(broker).registry(registry).queues("invoices").hooks(tracing).build();
    }
}
