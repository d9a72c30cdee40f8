package dev.tasks.opentelemetry;

import dev.tasks.RetryRequested;
import dev.tasks.hooks.After;
import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.Publishing;
import dev.tasks.hooks.Running;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.spi.Broker;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenTelemetry tracing of tasks, as {@link Hooks} for {@code Tasks.builder().hooks(..)} and
 * {@code Worker.builder().hooks(..)}:
 *
 * <ul>
 *   <li>each publish is a {@link SpanKind#PRODUCER PRODUCER} span {@code send <queue>}, a child of the
 *       publisher's current span, and its context goes into the task's headers as W3C {@code traceparent}
 *       (and {@code tracestate});</li>
 *   <li>each run is a {@link SpanKind#CONSUMER CONSUMER} span {@code process <queue>}, a child of the span
 *       in the headers, current while the task runs and until the run is settled; so a retry is a new span
 *       of the same trace (a sibling under the same producer span), and the next steps of a workflow
 *       (a chain's next task, a chord's callback) are published from inside it, in the same trace;</li>
 *   <li>attributes follow the messaging semantic conventions: {@code messaging.system} (the broker kind),
 *       {@code messaging.destination.name} (the queue), {@code messaging.operation} ({@code publish} or
 *       {@code process}), {@code messaging.operation.type} ({@code send} or {@code process}),
 *       {@code messaging.message.id} (the task id), plus {@code tasks.task.name} and, on runs,
 *       {@code tasks.attempt};</li>
 *   <li>a failed publish or run records the exception and sets the span's status to error; a retry or a dead
 *       letter adds an event ({@code tasks.retry}, {@code tasks.dead_letter}) to the run's span.</li>
 * </ul>
 *
 * Immutable and thread-safe. See docs/hooks.md.
 */
public final class TasksTracing {

    /** The instrumentation scope name of the spans. */
    public static final String INSTRUMENTATION_NAME = "dev.tasks";
    /** {@code messaging.system} when no broker kind is given. */
    public static final String DEFAULT_MESSAGING_SYSTEM = "tasks";

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> TASK_NAME = AttributeKey.stringKey("tasks.task.name");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("tasks.attempt");
    static final AttributeKey<Long> RETRY_DELAY_MS = AttributeKey.longKey("tasks.retry.delay_ms");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("tasks.reason");

    private static final Pattern BROKER_KIND = Pattern.compile("\\b(rediss?|postgresql|postgres|h2|mariadb|mysql|memory)\\b");

    private static final TextMapGetter<TaskInfo> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TaskInfo carrier) {
            return carrier.headers().keySet();
        }

        @Override
        public String get(TaskInfo carrier, String key) {
            return carrier == null ? null : carrier.headers().get(key);
        }
    };

    private final Supplier<OpenTelemetry> openTelemetry;
    private final String system;
    private final TextMapPropagator propagator;
    private volatile Tracer tracer;

    private TasksTracing(Builder b) {
        this.openTelemetry = b.openTelemetry;
        this.system = b.system;
        this.propagator = b.propagator;
    }

    /** Tracing through {@code openTelemetry}, with the default settings. */
    public static TasksTracing create(OpenTelemetry openTelemetry) {
        return builder(openTelemetry).build();
    }

    /** A builder tracing through {@code openTelemetry}. */
    public static Builder builder(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return new Builder(() -> openTelemetry);
    }

    /**
     * A builder tracing through the {@link OpenTelemetry} that {@code openTelemetry} returns when the first
     * span starts (e.g. {@code GlobalOpenTelemetry::get}, so the application may set it after building).
     */
    public static Builder builder(Supplier<OpenTelemetry> openTelemetry) {
        return new Builder(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /**
     * The broker kind for {@code messaging.system}, read from {@link Broker#describe()}: {@code redis},
     * {@code postgresql}, {@code h2}, {@code mariadb}, {@code mysql} or {@code memory}; else
     * {@value #DEFAULT_MESSAGING_SYSTEM}.
     */
    public static String messagingSystemOf(Broker broker) {
        Matcher m = BROKER_KIND.matcher(broker.describe().toLowerCase(Locale.ROOT));
        if (!m.find()) {
            return DEFAULT_MESSAGING_SYSTEM;
        }
        return switch (m.group(1)) {
            case "rediss" -> "redis";
            case "postgres" -> "postgresql";
            default -> m.group(1);
        };
    }

    /** The {@code messaging.system} of the spans. */
    public String messagingSystem() {
        return system;
    }

    /**
     * The hooks: a publish interceptor, a run interceptor and a listener. Register them on the client and on
     * the worker (a worker publishes the next steps of workflows).
     */
    public Hooks hooks() {
        return Hooks.builder().aroundPublish(this::aroundPublish).aroundRun(this::aroundRun).listener(new Events()).build();
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            t = openTelemetry.get().getTracer(INSTRUMENTATION_NAME);
            tracer = t;
        }
        return t;
    }

    /** A span named {@code <type> <queue>} with the messaging attributes of {@code task}. */
    private SpanBuilder span(TaskInfo task, SpanKind kind, Context parent, String operation, String type) {
        return tracer().spanBuilder(type + " " + task.queue())
                .setSpanKind(kind)
                .setParent(parent)
                .setAttribute(MESSAGING_SYSTEM, system)
                .setAttribute(DESTINATION, task.queue())
                .setAttribute(OPERATION, operation)
                .setAttribute(OPERATION_TYPE, type)
                .setAttribute(OPERATION_NAME, type)
                .setAttribute(MESSAGE_ID, task.taskId())
                .setAttribute(TASK_NAME, task.taskName());
    }

    private After aroundPublish(Publishing task) {
        Context parent = Context.current();
        Span span = span(task, SpanKind.PRODUCER, parent, "publish", "send").startSpan();
        propagator.inject(parent.with(span), task, (carrier, key, value) -> carrier.header(key, value));
        return failure -> {
            if (failure != null) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR, "publish failed");
            }
            span.end();
        };
    }

    private After aroundRun(Running run) {
        Context parent = propagator.extract(Context.root(), run, HEADERS);
        Span span = span(run, SpanKind.CONSUMER, parent, "process", "process")
                .setAttribute(ATTEMPT, (long) run.attempt())
                .startSpan();
        Scope scope = parent.with(span).makeCurrent();
        return failure -> {
            try {
                if (failure instanceof RetryRequested requested && requested.getCause() == null) {
                    span.addEvent("tasks.retry_requested");
                } else if (failure != null) {
                    Throwable reported = failure instanceof RetryRequested && failure.getCause() != null
                            ? failure.getCause() : failure;
                    span.recordException(reported);
                    span.setStatus(StatusCode.ERROR, reported.getClass().getName());
                }
            } finally {
                scope.close();
                span.end();
            }
        };
    }

    /** Adds what happened to a run as events of its span (current while listeners of the run are called). */
    private static final class Events implements TaskListener {
        @Override
        public void onRetry(Running run, Throwable cause, Duration delay) {
            Span.current().addEvent("tasks.retry", Attributes.of(RETRY_DELAY_MS, delay.toMillis()));
        }

        @Override
        public void onDeadLetter(TaskInfo task, String reason) {
            Span.current().addEvent("tasks.dead_letter", Attributes.of(REASON, reason));
        }
    }

    /** Builds {@link TasksTracing}. Not thread-safe. */
    public static final class Builder {
        private final Supplier<OpenTelemetry> openTelemetry;
        private String system = DEFAULT_MESSAGING_SYSTEM;
        private TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

        private Builder(Supplier<OpenTelemetry> openTelemetry) {
            this.openTelemetry = openTelemetry;
        }

        /** The {@code messaging.system} attribute: the broker kind (default {@value #DEFAULT_MESSAGING_SYSTEM}). */
        public Builder messagingSystem(String system) {
            if (system == null || system.isBlank()) {
                throw new IllegalArgumentException("messagingSystem must not be blank, was '" + system + "'");
            }
            this.system = system;
            return this;
        }

        /** The {@code messaging.system} attribute from the broker ({@link TasksTracing#messagingSystemOf}). */
        public Builder messagingSystem(Broker broker) {
            return messagingSystem(messagingSystemOf(Objects.requireNonNull(broker, "broker")));
        }

        /**
         * How the trace context is written to and read from the headers (default: W3C Trace Context,
         * {@code traceparent} and {@code tracestate}, whatever the {@link OpenTelemetry}'s own propagators).
         */
        public Builder propagator(TextMapPropagator propagator) {
            this.propagator = Objects.requireNonNull(propagator, "propagator");
            return this;
        }

        /** The tracing. */
        public TasksTracing build() {
            return new TasksTracing(this);
        }
    }
}
