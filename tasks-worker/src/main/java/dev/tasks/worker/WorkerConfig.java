package dev.tasks.worker;

import dev.tasks.TaskRegistry;
import dev.tasks.hooks.Hooks;
import dev.tasks.spi.Broker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The settings of one {@link Worker}, snapshotted by {@link Worker.Builder#build()}. Immutable and
 * thread-safe. Every default is a named constant of this class.
 */
public final class WorkerConfig {

    /** Queue consumed when none is given: {@value dev.tasks.spi.Queues#DEFAULT_QUEUE}. */
    public static final List<String> DEFAULT_QUEUES = List.of(dev.tasks.spi.Queues.DEFAULT_QUEUE);
    /**
     * How long a fetched task is leased (the broker's visibility timeout): 5 minutes. A worker that dies is
     * noticed after at most this long and its tasks are redelivered; a live worker extends the leases of
     * the tasks it holds every {@link #DEFAULT_HEARTBEAT_INTERVAL}, so a long task is never redelivered
     * while its worker lives.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** How often leases (and idempotency claims) of held tasks are extended: every 30 seconds. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
    /** How long one fetch waits for a task when the queues are empty: 1 second. */
    public static final Duration DEFAULT_FETCH_WAIT = Duration.ofSeconds(1);
    /** Grace period of {@link Worker#close()}: 30 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** How long a task of an unknown name is kept coming back before it is dead-lettered: 10 minutes. */
    public static final Duration DEFAULT_UNKNOWN_TASK_GRACE = Duration.ofMinutes(10);
    /** Delay before a task of an unknown name is offered again: 30 seconds (capped by the grace left). */
    public static final Duration DEFAULT_UNKNOWN_TASK_RETRY_DELAY = Duration.ofSeconds(30);
    /** Deliveries after which a message is treated as poison and dead-lettered: 10. */
    public static final int DEFAULT_MAX_DELIVERIES = 10;
    /** Largest message a worker reads, in bytes: the enqueue limit, {@value dev.tasks.Tasks#DEFAULT_MAX_PAYLOAD_BYTES}. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = dev.tasks.Tasks.DEFAULT_MAX_PAYLOAD_BYTES;
    /** Delay before a task whose idempotency key another live run holds is offered again: 5 seconds. */
    public static final Duration DEFAULT_BUSY_KEY_RETRY_DELAY = Duration.ofSeconds(5);
    /** How long stored states and results are kept: 1 day. */
    public static final Duration DEFAULT_RESULT_TTL = Duration.ofDays(1);
    /** How often queue depths are read from the broker for the gauges: 15 seconds. */
    public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(15);

    private final Broker broker;
    private final TaskRegistry registry;
    private final List<String> queues;
    private final int concurrency;
    private final PoolType pool;
    private final int prefetch;
    private final Duration lease;
    private final Duration heartbeatInterval;
    private final Duration fetchWait;
    private final Duration shutdownGrace;
    private final int maxStuckThreads;
    private final Duration unknownTaskGrace;
    private final Duration unknownTaskRetryDelay;
    private final int maxDeliveries;
    private final int maxMessageBytes;
    private final Duration busyKeyRetryDelay;
    private final Duration resultTtl;
    private final Duration statsInterval;
    private final Clock clock;
    private final MeterRegistry meterRegistry;
    private final String workerId;
    private final Hooks hooks;

    WorkerConfig(Worker.Builder b, int concurrency, int prefetch, int maxStuckThreads, String workerId,
            MeterRegistry meterRegistry, Hooks hooks) {
        this.hooks = hooks;
        this.broker = b.broker;
        this.registry = b.registry;
        this.queues = List.copyOf(b.queues);
        this.concurrency = concurrency;
        this.pool = b.pool;
        this.prefetch = prefetch;
        this.lease = b.lease;
        this.heartbeatInterval = b.heartbeatInterval;
        this.fetchWait = b.fetchWait;
        this.shutdownGrace = b.shutdownGrace;
        this.maxStuckThreads = maxStuckThreads;
        this.unknownTaskGrace = b.unknownTaskGrace;
        this.unknownTaskRetryDelay = b.unknownTaskRetryDelay;
        this.maxDeliveries = b.maxDeliveries;
        this.maxMessageBytes = b.maxMessageBytes;
        this.busyKeyRetryDelay = b.busyKeyRetryDelay;
        this.resultTtl = b.resultTtl;
        this.statsInterval = b.statsInterval;
        this.clock = b.clock;
        this.meterRegistry = meterRegistry;
        this.workerId = workerId;
    }

    /** The hooks: those of the builder, then those found on the class path. */
    public Hooks hooks() { return hooks; }

    /** The broker tasks are fetched from (owned by the caller: the worker does not close it). */
    public Broker broker() { return broker; }

    /** The tasks this worker can run. */
    public TaskRegistry registry() { return registry; }

    /** The queues consumed, served fairly. */
    public List<String> queues() { return queues; }

    /** How many tasks run at once. Default: the number of processors. */
    public int concurrency() { return concurrency; }

    /** The kind of threads tasks run on. Default: {@link PoolType#PLATFORM}. */
    public PoolType pool() { return pool; }

    /**
     * How many fetched tasks may wait for a free slot, beyond the running ones (so at most
     * {@code concurrency + prefetch} tasks are leased by this worker at once). Default:
     * {@value Worker#DEFAULT_PREFETCH_PER_SLOT} times the concurrency.
     */
    public int prefetch() { return prefetch; }

    /** The lease (visibility timeout) of fetched tasks. Default: {@link #DEFAULT_LEASE}. */
    public Duration lease() { return lease; }

    /** How often leases are extended. Default: {@link #DEFAULT_HEARTBEAT_INTERVAL}. */
    public Duration heartbeatInterval() { return heartbeatInterval; }

    /** How long one fetch waits on empty queues. Default: {@link #DEFAULT_FETCH_WAIT}. */
    public Duration fetchWait() { return fetchWait; }

    /** The grace period used by {@link Worker#close()}. Default: {@link #DEFAULT_SHUTDOWN_GRACE}. */
    public Duration shutdownGrace() { return shutdownGrace; }

    /**
     * How many threads may be stuck in tasks past their hard time limit before the worker stops itself
     * with {@link Termination#TOO_MANY_STUCK_THREADS}. Default: the concurrency.
     */
    public int maxStuckThreads() { return maxStuckThreads; }

    /** How long a task of an unknown name keeps coming back. Default: {@link #DEFAULT_UNKNOWN_TASK_GRACE}. */
    public Duration unknownTaskGrace() { return unknownTaskGrace; }

    /** Delay between offers of a task of an unknown name. Default: {@link #DEFAULT_UNKNOWN_TASK_RETRY_DELAY}. */
    public Duration unknownTaskRetryDelay() { return unknownTaskRetryDelay; }

    /** Deliveries after which a message is dead-lettered as poison. Default: {@link #DEFAULT_MAX_DELIVERIES}. */
    public int maxDeliveries() { return maxDeliveries; }

    /**
     * Largest message read, in bytes of UTF-8; a larger one is dead-lettered unread. Default:
     * {@link #DEFAULT_MAX_MESSAGE_BYTES}.
     */
    public int maxMessageBytes() { return maxMessageBytes; }

    /** Delay before re-offering a task whose key is held by another run. Default: {@link #DEFAULT_BUSY_KEY_RETRY_DELAY}. */
    public Duration busyKeyRetryDelay() { return busyKeyRetryDelay; }

    /** How long states and results are kept. Default: {@link #DEFAULT_RESULT_TTL}. */
    public Duration resultTtl() { return resultTtl; }

    /** How often queue depth gauges are refreshed. Default: {@link #DEFAULT_STATS_INTERVAL}. */
    public Duration statsInterval() { return statsInterval; }

    /** The clock for expiry, retries, leases and metrics of waiting time. Default: the system UTC clock. */
    public Clock clock() { return clock; }

    /** Where meters are registered. Default: a private {@code SimpleMeterRegistry}. */
    public MeterRegistry meterRegistry() { return meterRegistry; }

    /** This worker's id (owner of idempotency claims; shown in logs). Default: {@code host-pid-random}. */
    public String workerId() { return workerId; }

    /** The settings in one line, as logged at start (the broker is described without its password). */
    public String describe() {
        return "id=" + workerId + ", broker=" + broker.describe() + ", queues=" + queues + ", concurrency="
                + concurrency + ", pool=" + pool.name().toLowerCase(java.util.Locale.ROOT) + ", prefetch=" + prefetch
                + ", lease=" + lease + ", heartbeat=" + heartbeatInterval + ", fetchWait=" + fetchWait
                + ", shutdownGrace=" + shutdownGrace + ", maxStuckThreads=" + maxStuckThreads + ", unknownTaskGrace="
                + unknownTaskGrace + ", maxDeliveries=" + maxDeliveries + ", maxMessageBytes=" + maxMessageBytes
                + ", resultTtl=" + resultTtl
                + ", statsInterval=" + statsInterval + ", tasks=" + registry.definitions().size() + (hooks.isEmpty() ? "" : ", hooks=" + hooks);
    }

    @Override
    public String toString() {
        return "WorkerConfig[" + describe() + "]";
    }
}
