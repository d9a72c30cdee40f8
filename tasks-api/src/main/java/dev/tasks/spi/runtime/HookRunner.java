package dev.tasks.spi.runtime;

import dev.tasks.hooks.After;
import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.PublishInterceptor;
import dev.tasks.hooks.Publishing;
import dev.tasks.hooks.RunInterceptor;
import dev.tasks.hooks.Running;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.message.Envelope;
import dev.tasks.spi.support.LogSafe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Calls the {@link Hooks} of a client or a worker by their rules (docs/hooks.md): interceptors in order,
 * their {@link After}s in reverse, listeners in order; an exception from an {@code After} or a listener is
 * logged (with its stack trace the first time for each kind of hook, at debug level after) and counted by
 * kind in {@link #failures()}, and never thrown. Thread-safe. Runtime SPI: for the framework's modules.
 */
public final class HookRunner {

    /** Kind of a failure counted in {@link #failures()}: an {@link After} threw. */
    public static final String AFTER = "after";

    private static final Logger log = LogSafe.logger(Hooks.class);

    private final Hooks hooks;
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Consumer<String> onFailure;

    /** Calls {@code hooks}; failures are only logged and counted in {@link #failures()}. */
    public HookRunner(Hooks hooks) {
        this(hooks, kind -> {});
    }

    /**
     * Calls {@code hooks}; {@code onFailure} is also told the kind of each failure (e.g. to count it in a
     * meter); it must not throw.
     */
    public HookRunner(Hooks hooks, Consumer<String> onFailure) {
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** The hooks called. */
    public Hooks hooks() {
        return hooks;
    }

    /** How many hook calls failed, by kind ({@link #AFTER}, or the listener method's name); a snapshot. */
    public Map<String, Long> failures() {
        Map<String, Long> out = new TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The failures counted for one kind so far. */
    public long failures(String kind) {
        AtomicLong n = failures.get(kind);
        return n == null ? 0 : n.get();
    }

    // ------------------------------------------------------------------------------------------- publish

    /**
     * Runs the publish interceptors for one task.
     *
     * @param headers the headers the caller set (not changed)
     * @return the scope: the headers to encode, and the {@code After}s to call once published
     * @throws RuntimeException what an interceptor threw (the {@code After}s already returned were called
     *     with it)
     */
    public Scope publishing(String taskId, String taskName, String queue, Map<String, String> headers) {
        List<PublishInterceptor> interceptors = hooks.publishInterceptors();
        if (interceptors.isEmpty()) {
            return new Scope(headers, List.of());
        }
        PublishView view = new PublishView(taskId, taskName, queue, headers);
        List<After> afters = new ArrayList<>(interceptors.size());
        try {
            for (PublishInterceptor i : interceptors) {
                afters.add(nonNull(i.aroundPublish(view)));
            }
        } catch (RuntimeException | Error e) {
            new Scope(headers, afters).end(e);
            throw e;
        } finally {
            view.open = false;
        }
        return new Scope(Map.copyOf(view.headers), afters);
    }

    /**
     * Runs the publish interceptors for a task built already (a workflow's step); {@link Scope#envelope}
     * is it with their headers.
     */
    public Scope publishing(Envelope env) {
        Scope scope = publishing(env.id(), env.task(), env.queue(), env.headers());
        scope.envelope = scope.headers == env.headers() ? env : env.toBuilder().headers(scope.headers).build();
        return scope;
    }

    // ------------------------------------------------------------------------------------------- run

    /**
     * Runs the run interceptors for one run, on the thread that will run the task.
     *
     * @throws RuntimeException what an interceptor threw (the {@code After}s already returned were called
     *     with it): the run then fails with it
     */
    public Scope running(Running run) {
        List<RunInterceptor> interceptors = hooks.runInterceptors();
        if (interceptors.isEmpty()) {
            return new Scope(run.headers(), List.of());
        }
        List<After> afters = new ArrayList<>(interceptors.size());
        try {
            for (RunInterceptor i : interceptors) {
                afters.add(nonNull(i.aroundRun(run)));
            }
        } catch (RuntimeException | Error e) {
            new Scope(run.headers(), afters).end(e);
            throw e;
        }
        return new Scope(run.headers(), afters);
    }

    /** A view of one run for the hooks. */
    public static Running run(String taskId, String taskName, String queue, int attempt, Map<String, String> headers) {
        return new RunView(taskId, taskName, queue, attempt, headers);
    }

    /** A view of one task for the listeners. */
    public static TaskInfo task(String taskId, String taskName, String queue, Map<String, String> headers) {
        return new RunView(taskId, taskName, queue, 0, headers);
    }

    // ------------------------------------------------------------------------------------------- listeners

    /** Tells the listeners that a run will be retried. */
    public void retried(Running run, Throwable cause, Duration delay) {
        tell("onRetry", l -> l.onRetry(run, cause, delay));
    }

    /** Tells the listeners that a task was dead-lettered. */
    public void deadLettered(TaskInfo task, String reason) {
        tell("onDeadLetter", l -> l.onDeadLetter(task, reason));
    }

    /** Tells the listeners that a task was revoked. */
    public void revoked(TaskInfo task) {
        tell("onRevoked", l -> l.onRevoked(task));
    }

    /** Tells the listeners that a task expired. */
    public void expired(TaskInfo task) {
        tell("onExpired", l -> l.onExpired(task));
    }

    /** Tells the listeners that a worker started. */
    public void workerStarted(String workerId) {
        tell("onWorkerStarted", l -> l.onWorkerStarted(workerId));
    }

    /** Tells the listeners that a worker stopped. */
    public void workerStopped(String workerId) {
        tell("onWorkerStopped", l -> l.onWorkerStopped(workerId));
    }

    private void tell(String kind, Consumer<TaskListener> call) {
        for (TaskListener l : hooks.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(kind, l, e);
            }
        }
    }

    private void failed(String kind, Object hook, Throwable e) {
        long n = failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        try {
            onFailure.accept(kind);
        } catch (RuntimeException counting) {
            e.addSuppressed(counting);
        }
        if (n == 1) {
            log.warn("hook {} ({}) threw; ignored, and counted in tasks.hook.failures{kind={}} (later failures of"
                    + " this kind are logged at debug level)", hook.getClass().getName(), kind, kind, e);
        } else if (log.isDebugEnabled()) {
            log.debug("hook {} ({}) threw again ({} times): {}", hook.getClass().getName(), kind, n, e.toString());
        }
    }

    private static After nonNull(After a) {
        return a == null ? After.NOTHING : a;
    }

    /** The outcome of the interceptors for one publish or run: the headers to use, and what to call after. */
    public final class Scope {
        private final Map<String, String> headers;
        private final List<After> afters;
        private Envelope envelope;
        private boolean ended;

        private Scope(Map<String, String> headers, List<After> afters) {
            this.headers = headers;
            this.afters = afters;
        }

        /** The headers after the interceptors ran. */
        public Map<String, String> headers() {
            return headers;
        }

        /** The envelope with the interceptors' headers, for a scope from {@link #publishing(Envelope)}; else null. */
        public Envelope envelope() {
            return envelope;
        }

        /**
         * Calls the {@code After}s, innermost first; once (later calls do nothing). Never throws.
         *
         * @param failure null on success
         */
        public void end(Throwable failure) {
            if (ended) {
                return;
            }
            ended = true;
            for (int i = afters.size() - 1; i >= 0; i--) {
                After a = afters.get(i);
                try {
                    a.after(failure);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    failed(AFTER, a, e);
                }
            }
        }
    }

    private static final class PublishView implements Publishing {
        private final String taskId;
        private final String taskName;
        private final String queue;
        final Map<String, String> headers;
        private final Map<String, String> readOnly;
        boolean open = true;

        PublishView(String taskId, String taskName, String queue, Map<String, String> headers) {
            this.taskId = taskId;
            this.taskName = taskName;
            this.queue = queue;
            this.headers = new LinkedHashMap<>(headers);
            this.readOnly = Collections.unmodifiableMap(this.headers);
        }

        @Override public String taskId() { return taskId; }
        @Override public String taskName() { return taskName; }
        @Override public String queue() { return queue; }
        @Override public Map<String, String> headers() { return readOnly; }

        @Override
        public Publishing header(String name, String value) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("header name must not be empty (task " + taskId + ", " + taskName
                        + ")");
            }
            if (value == null) {
                throw new IllegalArgumentException("header '" + name + "' must not be null (task " + taskId + ", "
                        + taskName + ")");
            }
            if (!open) {
                throw new IllegalStateException("header '" + name + "' set after aroundPublish returned (task "
                        + taskId + ", " + taskName + "); the message is encoded already");
            }
            headers.put(name, value);
            return this;
        }

        @Override
        public String toString() {
            return "Publishing[" + taskId + " " + taskName + " to " + queue + "]";
        }
    }

    private record RunView(String taskId, String taskName, String queue, int attempt, Map<String, String> headers)
            implements Running {
        RunView {
            headers = headers == null ? Map.of() : Collections.unmodifiableMap(headers);
        }

        @Override
        public String toString() {
            return "Running[" + taskId + " " + taskName + " from " + queue + " attempt " + attempt + "]";
        }
    }
}
