package dev.tasks.opentelemetry;

import dev.tasks.hooks.HookProvider;
import dev.tasks.hooks.Hooks;
import io.opentelemetry.api.GlobalOpenTelemetry;

/**
 * Tracing through {@link GlobalOpenTelemetry} (set by the application, or by the OpenTelemetry Java agent),
 * for a worker or client that is not built in code: list this class in
 * {@code META-INF/services/dev.tasks.hooks.HookProvider}. The global instance is read when the first span
 * starts. {@code messaging.system} comes from the system property {@value #SYSTEM_PROPERTY} (default
 * {@value TasksTracing#DEFAULT_MESSAGING_SYSTEM}). Not listed by this module itself, so that an application
 * that registers {@link TasksTracing} in code does not trace twice.
 */
public final class GlobalTracing implements HookProvider {

    /** System property naming the broker kind for {@code messaging.system}. */
    public static final String SYSTEM_PROPERTY = "tasks.opentelemetry.messaging.system";

    @Override
    public void register(Hooks.Builder hooks) {
        hooks.include(TasksTracing.builder(GlobalOpenTelemetry::get)
                .messagingSystem(System.getProperty(SYSTEM_PROPERTY, TasksTracing.DEFAULT_MESSAGING_SYSTEM))
                .build().hooks());
    }
}
