package dev.tasks.worker.internal;

import dev.tasks.spi.QueueStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The worker's meters. Counters and timers are tagged by {@code task} and {@code queue}; a message whose
 * task name cannot be trusted (malformed, or not registered here) is counted under {@value #UNKNOWN_TASK}
 * so a stream of bad names cannot grow the number of meters without bound.
 *
 * <p>Names (Prometheus form in brackets): {@code tasks.received} [tasks_received_total],
 * {@code tasks.succeeded}, {@code tasks.failed} (runs that threw), {@code tasks.retried},
 * {@code tasks.dead.lettered} (also tagged {@code reason}), {@code tasks.expired}, {@code tasks.run} (timer
 * of task bodies) [tasks_run_seconds], {@code tasks.queue.wait} (timer from due to start), gauges
 * {@code tasks.in.flight}, {@code tasks.stuck.threads} and {@code tasks.queue.depth} (tagged {@code queue}
 * and {@code state}: ready, delayed, in_flight, dead).
 *
 * <p>The two timers publish fixed histogram buckets ({@link #RUN_BUCKETS}, {@link #WAIT_BUCKETS}), never
 * client-side quantiles: buckets of many workers add up, so {@code histogram_quantile} over a fleet is right.
 * The list of series and what to alert on is {@code docs/metrics.md}.
 */
final class WorkerMetrics {
    static final String UNKNOWN_TASK = "unknown";

    /** Bucket bounds of {@code tasks.run}: from a cache write (5 ms) to a report (1 h). */
    static final List<Duration> RUN_BUCKETS = List.of(ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500),
            ms(1_000), ms(2_500), ms(5_000), ms(10_000), ms(30_000), ms(60_000), ms(300_000), ms(900_000),
            ms(3_600_000));

    /** Bucket bounds of {@code tasks.queue.wait}: from an idle queue (5 ms) to a backlog of an hour. */
    static final List<Duration> WAIT_BUCKETS = List.of(ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500),
            ms(1_000), ms(2_500), ms(5_000), ms(10_000), ms(30_000), ms(60_000), ms(300_000), ms(900_000),
            ms(3_600_000));

    private final MeterRegistry registry;
    private final Map<String, TaskMeters> byTask = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> depths = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> depthGauges = new ConcurrentHashMap<>();
    private final List<Meter> gauges = new ArrayList<>();

    WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the worker-wide gauges; removed again by {@link #close()}. */
    synchronized void registerGauges(Supplier<Number> inFlight, Supplier<Number> stuck) {
        gauges.add(Gauge.builder("tasks.in.flight", inFlight).description("tasks running now").strongReference(true)
                .register(registry));
        gauges.add(Gauge.builder("tasks.stuck.threads", stuck)
                .description("threads abandoned past a hard time limit that have not returned")
                .strongReference(true).register(registry));
    }

    /**
     * Registers the {@code tasks.queue.depth} gauges of {@code queue} (this worker exports its depth now);
     * does nothing if they are registered.
     */
    synchronized void exportDepth(String queue) {
        if (depthGauges.containsKey(queue)) {
            return;
        }
        List<Meter> meters = new ArrayList<>();
        for (String state : List.of("ready", "delayed", "in_flight", "dead")) {
            AtomicLong value = depths.computeIfAbsent(queue + "\u0000" + state, k -> new AtomicLong());
            meters.add(Gauge.builder("tasks.queue.depth", value, AtomicLong::get).tag("queue", queue)
                    .tag("state", state).description("messages in the queue by state, polled from the broker by one"
                            + " worker of the queue").strongReference(true).register(registry));
        }
        depthGauges.put(queue, meters);
    }

    /** Removes the depth gauges of {@code queue} (another worker exports them); does nothing if there are none. */
    synchronized void stopDepth(String queue) {
        List<Meter> meters = depthGauges.remove(queue);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    /** Whether this worker exports the depth of {@code queue} now. */
    boolean exportsDepth(String queue) {
        return depthGauges.containsKey(queue);
    }

    void queueStats(QueueStats s) {
        set(s.queue(), "ready", s.ready());
        set(s.queue(), "delayed", s.delayed());
        set(s.queue(), "in_flight", s.inFlight());
        set(s.queue(), "dead", s.dead());
    }

    private void set(String queue, String state, long value) {
        AtomicLong v = depths.get(queue + "\u0000" + state);
        if (v != null) {
            v.set(value);
        }
    }

    TaskMeters task(String task, String queue) {
        return byTask.computeIfAbsent(task + "\u0000" + queue, k -> new TaskMeters(registry, task, queue));
    }

    void deadLettered(String task, String queue, String reason) {
        deadLettered.computeIfAbsent(task + "\u0000" + queue + "\u0000" + reason, k -> Counter
                .builder("tasks.dead.lettered").description("messages moved to the dead letters")
                .tag("task", task).tag("queue", queue).tag("reason", reason).register(registry)).increment();
    }

    /** Removes the gauges (they refer to this worker's state); counters and timers stay. */
    synchronized void close() {
        for (Meter m : gauges) {
            registry.remove(m);
        }
        gauges.clear();
        for (String q : List.copyOf(depthGauges.keySet())) {
            stopDepth(q);
        }
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    /** The meters of one task on one queue. */
    static final class TaskMeters {
        final Counter received;
        final Counter succeeded;
        final Counter failed;
        final Counter retried;
        final Counter expired;
        final Timer run;
        final Timer queueWait;

        TaskMeters(MeterRegistry r, String task, String queue) {
            received = counter(r, "tasks.received", "messages taken from the queue", task, queue);
            succeeded = counter(r, "tasks.succeeded", "runs that returned normally", task, queue);
            failed = counter(r, "tasks.failed", "runs that threw or passed their hard time limit", task, queue);
            retried = counter(r, "tasks.retried", "retries scheduled", task, queue);
            expired = counter(r, "tasks.expired", "messages dropped because they expired", task, queue);
            run = Timer.builder("tasks.run").description("time spent in task bodies").tag("task", task)
                    .tag("queue", queue).serviceLevelObjectives(RUN_BUCKETS.toArray(Duration[]::new)).register(r);
            queueWait = Timer.builder("tasks.queue.wait").description("time from due to start").tag("task", task)
                    .tag("queue", queue).serviceLevelObjectives(WAIT_BUCKETS.toArray(Duration[]::new)).register(r);
        }

        void recordWait(Duration wait) {
            if (!wait.isNegative()) {
                queueWait.record(wait.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private static Counter counter(MeterRegistry r, String name, String description, String task, String queue) {
            return Counter.builder(name).description(description).tag("task", task).tag("queue", queue).register(r);
        }
    }
}
