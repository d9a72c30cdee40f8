package dev.tasks;

import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.PublishInterceptor;
import dev.tasks.internal.DefaultTasks;
import dev.tasks.internal.TransactionSynchronizers;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import dev.tasks.spi.PublishMetrics;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.TransactionSynchronizer;
import dev.tasks.spi.TransactionalPublisher;
import dev.tasks.tx.TransactionalDataSource;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The producer-side client: enqueues tasks. Built once per service and shared; thread-safe.
 *
 * <pre>{@code
 * Tasks tasks = Tasks.builder().brokerUrl("redis://localhost:6379").declare(OrderTasks.class).build();
 * TaskHandle h = tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(order.id()));
 * tasks.delayOnCommit(OrderTasks.class, t -> t.chargeCard(order.id()));
 * tasks.send(Signature.of("orders.sendOrderConfirmation", 42L).countdown(Duration.ofSeconds(30)));
 * }</pre>
 *
 * <p>Every call validates before it publishes: an argument that cannot be encoded, an oversized payload
 * or a wrong argument type throws an {@link EnqueueException} and publishes nothing. A call that returns
 * normally has handed the task to the broker (or, for {@code delayOnCommit} inside a transaction, to the
 * transaction).
 */
public interface Tasks extends AutoCloseable {

    /** Default limit of one encoded task: 1 MiB. */
    int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

    /** A new builder. Not thread-safe. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Enqueues the task method that {@code call} invokes on the interface, at once.
     *
     * @throws EnqueueException when it cannot be enqueued (nothing was published)
     * @throws BrokerException when the broker failed (the task may or may not have been published)
     */
    default <T> TaskHandle delay(Class<T> taskInterface, Consumer<T> call) {
        return delay(taskInterface, call, EnqueueOptions.defaults());
    }

    /** As {@link #delay(Class, Consumer)}, with per-call options. */
    <T> TaskHandle delay(Class<T> taskInterface, Consumer<T> call, EnqueueOptions options);

    /**
     * Enqueues when the current thread's transaction commits; drops the task if it rolls back; enqueues at
     * once when no transaction is open. With a broker (or outbox) that can write in the caller's
     * transaction, the task is written in it: it exists if and only if the transaction commits.
     *
     * <p>Transactions are found through the builder's {@link Builder#transactions synchronizer}: by default
     * those of a {@link TransactionalDataSource}, and those of any synchronizer on the class path
     * ({@code tasks-spring} adds Spring-managed ones).
     *
     * @throws IllegalStateException when a Spring-managed transaction is open on this thread but no
     *     synchronizer sees it (add {@code tasks-spring}); publishing at once would enqueue the task even if
     *     that transaction rolls back
     */
    default <T> TaskHandle delayOnCommit(Class<T> taskInterface, Consumer<T> call) {
        return delayOnCommit(taskInterface, call, EnqueueOptions.defaults());
    }

    /** As {@link #delayOnCommit(Class, Consumer)}, with per-call options. */
    <T> TaskHandle delayOnCommit(Class<T> taskInterface, Consumer<T> call, EnqueueOptions options);

    /** A signature of the task method that {@code call} invokes, for {@link #sendAll} and workflows. */
    <T> Signature signature(Class<T> taskInterface, Consumer<T> call);

    /** Enqueues a call by name at once. */
    TaskHandle send(Signature signature);

    /** Enqueues a call by name when the current transaction commits (see {@link #delayOnCommit}). */
    TaskHandle sendOnCommit(Signature signature);

    /**
     * Enqueues several calls in one broker round trip where the broker allows. All are validated before
     * any is published.
     */
    List<TaskHandle> sendAll(List<Signature> signatures);

    /**
     * Starts a workflow (chain, group, chord, nested): assigns every task id, then publishes its first
     * tasks in one broker call; later parts are published by the workers as earlier ones succeed. Every
     * task of a workflow has its state recorded.
     *
     * @throws EnqueueException when a call of it cannot be enqueued (nothing was published)
     * @throws BrokerException when the broker failed
     * @throws UnsupportedOperationException when the broker does not support workflows
     */
    WorkflowHandle apply(Workflow workflow);

    /** A handle for a task id (e.g. one stored by the caller), to read its state. */
    TaskHandle handle(String taskId);

    /** The broker this client publishes to. */
    dev.tasks.spi.Broker broker();

    /** The tasks this client knows. */
    TaskRegistry registry();

    /** Closes the broker if this client opened it (from a URL). Safe to call twice. */
    @Override
    void close();

    /** Builds {@link Tasks}. Not thread-safe; {@link #build()} snapshots the configuration. */
    final class Builder {
        private Broker broker;
        private String brokerUrl;
        private TasksConfig config;
        private boolean routesSet;
        private final TaskRegistry.Builder registry = TaskRegistry.builder();
        private Routes routes = Routes.none();
        private TransactionSynchronizer transactions = TransactionSynchronizers.defaults();
        private TransactionalPublisher transactionalPublisher;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private Clock clock = Clock.systemUTC();
        private boolean eager;
        private PublishMetrics metrics = PublishMetrics.NONE;
        private final Hooks.Builder hooks = Hooks.builder();
        private boolean discoverHooks = true;

        private Builder() {}

        /**
         * Adds hooks; only their publish interceptors apply to a client (run interceptors and listeners are
         * the worker's). Hooks added here are outside (run before) those added later and those found on the
         * class path. See {@link PublishInterceptor} for the order and the error rules.
         */
        public Builder hooks(Hooks hooks) {
            this.hooks.include(Objects.requireNonNull(hooks, "hooks"));
            return this;
        }

        /** Adds a publish interceptor, inside those added before (see {@link PublishInterceptor}). */
        public Builder aroundPublish(PublishInterceptor interceptor) {
            this.hooks.aroundPublish(interceptor);
            return this;
        }

        /**
         * Whether hooks listed on the class path ({@link dev.tasks.hooks.HookProvider} and
         * {@link dev.tasks.spi.TaskProvider#hooks} services) are added after those of this builder
         * (default: true).
         */
        public Builder discoverHooks(boolean discover) {
            this.discoverHooks = discover;
            return this;
        }

        /** Publishes to this broker (the caller closes it). */
        public Builder broker(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.brokerUrl = null;
            this.config = null;
            return this;
        }

        /**
         * Takes the broker and routing rules from configuration: {@link TasksConfig#brokerSettings} (URL,
         * password, broker options) and {@code tasks.routes} unless {@link #routes(Routes)} is called.
         * {@link Tasks#close()} closes the broker. Typical: {@code Tasks.builder().config(TasksConfig.load())}.
         */
        public Builder config(TasksConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            this.broker = null;
            this.brokerUrl = null;
            return this;
        }

        /** Opens the broker of this URL ({@link Brokers#open(String)}); {@link Tasks#close()} closes it. */
        public Builder brokerUrl(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("broker URL must not be empty; for configuration with a default,"
                        + " use config(TasksConfig.load())");
            }
            this.brokerUrl = url;
            this.broker = null;
            this.config = null;
            return this;
        }

        /** Declares task interfaces, so calls through them are type-checked and routed by their settings. */
        public Builder declare(Class<?>... taskInterfaces) {
            for (Class<?> c : taskInterfaces) {
                registry.declare(c);
            }
            return this;
        }

        /** Includes the tasks of a registry (e.g. the worker's). */
        public Builder registry(TaskRegistry tasks) {
            registry.include(Objects.requireNonNull(tasks, "tasks"));
            return this;
        }

        /** Routing rules (default: none). */
        public Builder routes(Routes routes) {
            this.routes = Objects.requireNonNull(routes, "routes");
            this.routesSet = true;
            return this;
        }

        /**
         * Where {@code delayOnCommit} finds the current transaction (default: connections of any
         * {@link TransactionalDataSource}, then the synchronizers registered as services of
         * {@link TransactionSynchronizer} on the class path, such as {@code tasks-spring}'s).
         */
        public Builder transactions(TransactionSynchronizer transactions) {
            this.transactions = Objects.requireNonNull(transactions, "transactions");
            return this;
        }

        /**
         * Writes {@code delayOnCommit} tasks inside the caller's transaction (e.g. a transactional outbox in
         * front of a Redis broker). Default: the broker itself when it can (the JDBC broker on the same
         * database), else after-commit publishing.
         */
        public Builder transactionalPublisher(TransactionalPublisher publisher) {
            this.transactionalPublisher = Objects.requireNonNull(publisher, "publisher");
            return this;
        }

        /** Largest encoded task accepted, in bytes (default {@value Tasks#DEFAULT_MAX_PAYLOAD_BYTES}). */
        public Builder maxPayloadBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxPayloadBytes must be >= 1024, was " + bytes);
            }
            this.maxPayloadBytes = bytes;
            return this;
        }

        /** The clock for countdowns and expiry (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Eager mode, for tests: tasks run at once in the calling thread, through their registered
         * implementations, instead of being published. Failures are thrown to the caller.
         */
        public Builder eager(boolean eager) {
            this.eager = eager;
            return this;
        }

        /**
         * Where publishing is counted: published, failed, rejected, and {@code delayOnCommit} tasks lost after
         * a commit. Default: {@link PublishMetrics#NONE}. For Micrometer:
         * {@code metrics(new MicrometerPublishMetrics(meterRegistry))}; the series are in {@code docs/metrics.md}.
         */
        public Builder metrics(PublishMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalStateException when neither a broker nor a broker URL was given (and not eager)
         */
        public Tasks build() {
            Broker b = broker;
            boolean owned = false;
            Routes effectiveRoutes = routes;
            if (config != null) {
                if (!routesSet) {
                    effectiveRoutes = Routes.parse(config.get(Routes.PROPERTY).orElse(null));
                }
                b = Brokers.open(config.brokerSettings(clock));
                owned = true;
            } else if (b == null && brokerUrl != null) {
                b = Brokers.open(brokerUrl);
                owned = true;
            }
            if (b == null && !eager) {
                throw new IllegalStateException("Tasks.builder(): set broker(..) or brokerUrl(..)");
            }
            Hooks.Builder all = Hooks.builder().include(hooks.build());
            if (discoverHooks) {
                all.discover(classLoader());
            }
            return new DefaultTasks(b, owned, registry.build(), effectiveRoutes, transactions, transactionalPublisher,
                    maxPayloadBytes, clock, eager, metrics, new HookRunner(all.build()));
        }

        private static ClassLoader classLoader() {
            ClassLoader l = Thread.currentThread().getContextClassLoader();
            return l != null ? l : Tasks.class.getClassLoader();
        }
    }
}
