package dev.tasks.hooks;

import dev.tasks.spi.TaskProvider;
import dev.tasks.spi.support.ServiceFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered, immutable set of {@link PublishInterceptor}s, {@link RunInterceptor}s and {@link TaskListener}s,
 * given to {@code Tasks.builder().hooks(..)} or {@code Worker.builder().hooks(..)}. Order is registration
 * order: the first interceptor registered is the outermost (entered first, its {@link After} called last);
 * listeners are called first-registered first. Thread-safe.
 *
 * <pre>{@code
 * Hooks hooks = Hooks.builder()
 *         .aroundPublish(task -> { task.header("tenant", Tenant.current()); return After.NOTHING; })
 *         .aroundRun(run -> { Tenant.set(run.headers().get("tenant")); return failure -> Tenant.clear(); })
 *         .build();
 * }</pre>
 */
public final class Hooks {

    private static final Hooks NONE = new Hooks(new Builder());

    private final List<PublishInterceptor> publish;
    private final List<RunInterceptor> run;
    private final List<TaskListener> listeners;

    private Hooks(Builder b) {
        this.publish = List.copyOf(b.publish);
        this.run = List.copyOf(b.run);
        this.listeners = List.copyOf(b.listeners);
    }

    /** No hooks. */
    public static Hooks none() {
        return NONE;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The publish interceptors, outermost first. */
    public List<PublishInterceptor> publishInterceptors() {
        return publish;
    }

    /** The run interceptors, outermost first. */
    public List<RunInterceptor> runInterceptors() {
        return run;
    }

    /** The listeners, in the order they are called. */
    public List<TaskListener> listeners() {
        return listeners;
    }

    /** Whether there is no hook at all. */
    public boolean isEmpty() {
        return publish.isEmpty() && run.isEmpty() && listeners.isEmpty();
    }

    @Override
    public String toString() {
        return "Hooks[" + publish.size() + " publish interceptor(s), " + run.size() + " run interceptor(s), "
                + listeners.size() + " listener(s)]";
    }

    /** Builds {@link Hooks}. Not thread-safe; {@link #build()} snapshots it. */
    public static final class Builder {
        private final List<PublishInterceptor> publish = new ArrayList<>();
        private final List<RunInterceptor> run = new ArrayList<>();
        private final List<TaskListener> listeners = new ArrayList<>();

        private Builder() {}

        /** Adds a publish interceptor, inside those added before. */
        public Builder aroundPublish(PublishInterceptor interceptor) {
            publish.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /** Adds a run interceptor, inside those added before. */
        public Builder aroundRun(RunInterceptor interceptor) {
            run.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /** Adds a listener, called after those added before. */
        public Builder listener(TaskListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Adds every hook of {@code other}, in its order, after those added before. */
        public Builder include(Hooks other) {
            Objects.requireNonNull(other, "other");
            publish.addAll(other.publish);
            run.addAll(other.run);
            listeners.addAll(other.listeners);
            return this;
        }

        /**
         * Adds the hooks of every {@link HookProvider} listed in {@code META-INF/services/dev.tasks.hooks.HookProvider},
         * then of every {@link TaskProvider} listed in {@code META-INF/services/dev.tasks.spi.TaskProvider}
         * ({@link TaskProvider#hooks}), each in the order of the class path.
         *
         * @throws dev.tasks.ConfigurationException when a listed class does not exist or cannot be created
         */
        public Builder discover(ClassLoader loader) {
            for (HookProvider p : ServiceFiles.load(HookProvider.class, loader)) {
                p.register(this);
            }
            for (TaskProvider p : ServiceFiles.load(TaskProvider.class, loader)) {
                p.hooks(this);
            }
            return this;
        }

        /** The hooks. */
        public Hooks build() {
            return new Hooks(this);
        }
    }
}
