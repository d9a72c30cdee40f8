package dev.tasks.worker;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.RunInterceptor;
import dev.tasks.hooks.TaskListener;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Queues;
import dev.tasks.spi.support.VirtualThreads;
import dev.tasks.worker.internal.DefaultWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs tasks fetched from a broker: the worker side of the task path. Made by {@link #builder()}.
 *
 * <p>For each delivery, in order: the envelope is decoded (a malformed one is dead-lettered with the reason);
 * a message delivered more than {@link WorkerConfig#maxDeliveries()} times is dead-lettered as poison; an
 * expired one is acknowledged and dropped (state {@code EXPIRED}); one of an unknown task name is offered
 * again after a delay for {@link WorkerConfig#unknownTaskGrace()}, then dead-lettered; arguments that do not
 * fit the task's parameters are dead-lettered; an idempotency key already done is acknowledged without
 * running, one held by another live run is offered again later. The task then runs with its soft limit
 * (the thread is interrupted and {@link dev.tasks.TaskContext#isSoftTimeLimitExceeded()} turns true) and
 * hard limit (the slot is abandoned and replaced, the run fails with {@link dev.tasks.TimeLimitExceeded}),
 * and is acknowledged, retried with backoff and jitter, or dead-lettered with the failure.
 *
 * <p>Delivery is at-least-once (late acknowledgement, the default): a task can run again if the worker
 * dies, or loses its lease, before acknowledging it. Tasks with {@code acksLate = false} are
 * acknowledged before they run (at-most-once): a retry is then published as a new message, and a task
 * that fails for good is logged and recorded as {@code FAILURE} but not dead-lettered (the broker no
 * longer holds it).
 *
 * <p>Results: for a task whose method returns a value, the states {@code STARTED}, {@code RETRY},
 * {@code SUCCESS} (with the JSON value) and {@code FAILURE} are stored in the broker's result store for
 * {@link WorkerConfig#resultTtl()}; for every task, {@code FAILURE} and {@code EXPIRED} are stored.
 *
 * <p>Thread-safe. {@link #start()}, {@link #stop(Duration)}, {@link #stopNow()} and {@link #close()} are
 * safe to call twice and from any thread; a stopped worker cannot be started again.
 */
public interface Worker extends AutoCloseable {

    /**
     * The default prefetch is this many tasks per slot (Celery's prefetch multiplier is 4 too): enough for a
     * worker of short tasks to fetch and acknowledge in batches. Set {@link Builder#prefetch(int)} to 0 for
     * long tasks, so that tasks wait in the queue, where any free worker can take them.
     */
    int DEFAULT_PREFETCH_PER_SLOT = 4;

    /** A builder with every default of {@link WorkerConfig}. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Starts fetching and running tasks; returns at once. A second call has no effect. First announces the
     * broker's storage layout ({@link dev.tasks.spi.Broker#layouts()}), with every heartbeat again.
     *
     * @throws IllegalStateException when the worker was already stopped
     * @throws dev.tasks.ConfigurationException when a live worker announced a storage layout incompatible with
     *     this one (the worker does not start; see docs/deploying.md, "Which upgrades need a drain")
     */
    void start();

    /**
     * Warm shutdown: stops fetching, gives prefetched but unstarted tasks back to the broker at once, lets
     * running tasks finish for up to {@code grace}, then gives back what is still running (cold) and
     * returns. Tasks given back are redelivered at once to other workers. Blocks until stopped. A second
     * call waits for the first to finish. Calling it on a worker that never started just terminates it.
     */
    void stop(Duration grace);

    /**
     * Cold shutdown: gives back every held task at once (running ones are interrupted and their outcome
     * ignored) and returns. Cuts short a warm shutdown in progress on another thread.
     */
    void stopNow();

    /** {@link #stop(Duration)} with {@link WorkerConfig#shutdownGrace()}. */
    @Override
    void close();

    /**
     * Waits until the worker terminated (by a stop call, or by itself with
     * {@link Termination#TOO_MANY_STUCK_THREADS}).
     *
     * @return true if it terminated, false on timeout or if the calling thread was interrupted (the
     *     interrupt flag is then kept)
     */
    boolean awaitTermination(Duration timeout);

    /** Why the worker terminated, once it has. */
    Optional<Termination> termination();

    /** The current state. */
    WorkerState state();

    /** The settings it was built with. */
    WorkerConfig config();

    /** Tasks running now. */
    int inFlight();

    /** Threads abandoned past a hard time limit that have not returned yet. */
    int stuckThreads();

    /**
     * Builds a {@link Worker}. Every method validates its argument at once and names the bound it breaks.
     * Not thread-safe; {@link #build()} snapshots the settings, so the builder can be reused.
     */
    final class Builder {
        Broker broker;
        TaskRegistry registry;
        List<String> queues = WorkerConfig.DEFAULT_QUEUES;
        Integer concurrency;
        PoolType pool = PoolType.PLATFORM;
        Integer prefetch;
        Duration lease = WorkerConfig.DEFAULT_LEASE;
        Duration heartbeatInterval = WorkerConfig.DEFAULT_HEARTBEAT_INTERVAL;
        Duration fetchWait = WorkerConfig.DEFAULT_FETCH_WAIT;
        Duration shutdownGrace = WorkerConfig.DEFAULT_SHUTDOWN_GRACE;
        Integer maxStuckThreads;
        Duration unknownTaskGrace = WorkerConfig.DEFAULT_UNKNOWN_TASK_GRACE;
        Duration unknownTaskRetryDelay = WorkerConfig.DEFAULT_UNKNOWN_TASK_RETRY_DELAY;
        int maxDeliveries = WorkerConfig.DEFAULT_MAX_DELIVERIES;
        int maxMessageBytes = WorkerConfig.DEFAULT_MAX_MESSAGE_BYTES;
        Duration busyKeyRetryDelay = WorkerConfig.DEFAULT_BUSY_KEY_RETRY_DELAY;
        Duration resultTtl = WorkerConfig.DEFAULT_RESULT_TTL;
        Duration statsInterval = WorkerConfig.DEFAULT_STATS_INTERVAL;
        Clock clock = Clock.systemUTC();
        MeterRegistry meterRegistry;
        String workerId;
        final Hooks.Builder hooks = Hooks.builder();
        boolean discoverHooks = true;

        Builder() {}

        /**
         * Adds hooks: run interceptors around each run, listeners, and publish interceptors for the next steps
         * of workflows this worker starts. Hooks added here are outside (run before) those added later and
         * those found on the class path. See {@link RunInterceptor} and {@link TaskListener} for the order
         * and the error rules.
         */
        public Builder hooks(Hooks hooks) {
            this.hooks.include(Objects.requireNonNull(hooks, "hooks"));
            return this;
        }

        /** Adds a run interceptor, inside those added before (see {@link RunInterceptor}). */
        public Builder aroundRun(RunInterceptor interceptor) {
            this.hooks.aroundRun(interceptor);
            return this;
        }

        /** Adds a listener, called after those added before (see {@link TaskListener}). */
        public Builder listener(TaskListener listener) {
            this.hooks.listener(listener);
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

        /** The broker to fetch from (required). The worker does not close it. */
        public Builder broker(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** The tasks this worker runs (required); each needs an implementation. */
        public Builder registry(TaskRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The queues to consume (at least one; duplicates are dropped). */
        public Builder queues(String... queues) {
            return queues(List.of(queues));
        }

        /** The queues to consume (at least one; duplicates are dropped). */
        public Builder queues(List<String> queues) {
            Objects.requireNonNull(queues, "queues");
            if (queues.isEmpty()) {
                throw new IllegalArgumentException("queues must not be empty");
            }
            LinkedHashSet<String> set = new LinkedHashSet<>();
            for (String q : queues) {
                set.add(Queues.check(q));
            }
            this.queues = List.copyOf(new ArrayList<>(set));
            return this;
        }

        /** How many tasks run at once (>= 1). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** The kind of threads tasks run on; {@link PoolType#VIRTUAL} needs a JVM with virtual threads. */
        public Builder pool(PoolType pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /** How many fetched tasks may wait for a free slot (>= 0). */
        public Builder prefetch(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must be >= 0, was " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** The lease (visibility timeout) of fetched tasks (>= 1 second). */
        public Builder lease(Duration lease) {
            this.lease = atLeast("lease", lease, Duration.ofSeconds(1));
            return this;
        }

        /** How often leases are extended (> 0, and at most a third of the lease, checked by {@link #build()}). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = atLeast("heartbeatInterval", interval, Duration.ofMillis(10));
            return this;
        }

        /** How long one fetch waits on empty queues (0 to 30 seconds). */
        public Builder fetchWait(Duration wait) {
            Objects.requireNonNull(wait, "fetchWait");
            if (wait.isNegative() || wait.compareTo(Duration.ofSeconds(30)) > 0) {
                throw new IllegalArgumentException("fetchWait must be between 0 and 30s, was " + wait);
            }
            this.fetchWait = wait;
            return this;
        }

        /** The grace period of {@link Worker#close()} (>= 0). */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = atLeast("shutdownGrace", grace, Duration.ZERO);
            return this;
        }

        /** Stuck threads tolerated before the worker stops itself (>= 0). */
        public Builder maxStuckThreads(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxStuckThreads must be >= 0, was " + max);
            }
            this.maxStuckThreads = max;
            return this;
        }

        /** How long a task of an unknown name keeps coming back before it is dead-lettered (>= 0). */
        public Builder unknownTaskGrace(Duration grace) {
            this.unknownTaskGrace = atLeast("unknownTaskGrace", grace, Duration.ZERO);
            return this;
        }

        /** Delay between offers of a task of an unknown name (>= 0). */
        public Builder unknownTaskRetryDelay(Duration delay) {
            this.unknownTaskRetryDelay = atLeast("unknownTaskRetryDelay", delay, Duration.ZERO);
            return this;
        }

        /** Deliveries after which a message is dead-lettered as poison (>= 1). */
        public Builder maxDeliveries(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxDeliveries must be >= 1, was " + max);
            }
            this.maxDeliveries = max;
            return this;
        }

        /**
         * Largest message read, in bytes of UTF-8 (>= 1; default {@link WorkerConfig#DEFAULT_MAX_MESSAGE_BYTES},
         * the enqueue limit). A larger message is dead-lettered unread, with its size and this limit.
         */
        public Builder maxMessageBytes(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + max);
            }
            this.maxMessageBytes = max;
            return this;
        }

        /** Delay before re-offering a task whose idempotency key another live run holds (>= 0). */
        public Builder busyKeyRetryDelay(Duration delay) {
            this.busyKeyRetryDelay = atLeast("busyKeyRetryDelay", delay, Duration.ZERO);
            return this;
        }

        /** How long states and results are kept (>= 1 second). */
        public Builder resultTtl(Duration ttl) {
            this.resultTtl = atLeast("resultTtl", ttl, Duration.ofSeconds(1));
            return this;
        }

        /** How often queue depth gauges are refreshed (>= 100 ms). */
        public Builder statsInterval(Duration interval) {
            this.statsInterval = atLeast("statsInterval", interval, Duration.ofMillis(100));
            return this;
        }

        /** The clock for expiry, retry times, and waiting-time metrics. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where meters are registered (default: a private {@code SimpleMeterRegistry}). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /** This worker's id (1 to 200 characters, no whitespace). */
        public Builder workerId(String id) {
            Objects.requireNonNull(id, "workerId");
            if (id.isEmpty() || id.length() > 200 || id.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("workerId must be 1 to 200 characters without whitespace, was '"
                        + id + "'");
            }
            this.workerId = id;
            return this;
        }

        /**
         * Snapshots the settings into a new, unstarted worker.
         *
         * @throws IllegalStateException when the broker or registry is missing, or the heartbeat is not well
         *     below the lease
         * @throws ConfigurationException when {@link PoolType#VIRTUAL} is asked on a JVM without virtual threads
         */
        public Worker build() {
            if (broker == null) {
                throw new IllegalStateException("broker is required: call broker(..)");
            }
            if (registry == null) {
                throw new IllegalStateException("registry is required: call registry(..)");
            }
            if (heartbeatInterval.multipliedBy(3).compareTo(lease) > 0) {
                throw new IllegalStateException("heartbeatInterval " + heartbeatInterval + " must be at most a third"
                        + " of the lease " + lease + ", so leases are extended well before they run out");
            }
            if (pool == PoolType.VIRTUAL && !VirtualThreads.available()) {
                throw new ConfigurationException("pool VIRTUAL needs a JVM with virtual threads (Java 21 or later);"
                        + " this is Java " + Runtime.version().feature() + ": use pool PLATFORM or a newer JVM");
            }
            int c = concurrency != null ? concurrency : Runtime.getRuntime().availableProcessors();
            int p = prefetch != null ? prefetch : DEFAULT_PREFETCH_PER_SLOT * c;
            int stuck = maxStuckThreads != null ? maxStuckThreads : c;
            String id = workerId != null ? workerId : defaultWorkerId();
            MeterRegistry meters = meterRegistry != null ? meterRegistry : new SimpleMeterRegistry();
            Hooks.Builder all = Hooks.builder().include(hooks.build());
            if (discoverHooks) {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                all.discover(loader != null ? loader : Worker.class.getClassLoader());
            }
            return new DefaultWorker(new WorkerConfig(this, c, p, stuck, id, meters, all.build()));
        }

        private static Duration atLeast(String name, Duration value, Duration min) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
            }
            return value;
        }

        private static String defaultWorkerId() {
            String runtime = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
            String random = UUID.randomUUID().toString().substring(0, 8);
            int at = runtime.indexOf('@');
            String pidHost = at > 0 ? runtime.substring(at + 1) + "-" + runtime.substring(0, at) : runtime;
            return pidHost.replaceAll("\\s", "_") + "-" + random;
        }
    }
}
