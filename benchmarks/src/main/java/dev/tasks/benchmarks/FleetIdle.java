package dev.tasks.benchmarks;

import dev.tasks.EnqueueOptions;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The {@code fleet_idle} scenario: what a fleet of idle workers costs, which is what a large deployment pays
 * most of the time. {@code N} workers (default {@value #DEFAULT_WORKERS}, {@value #DEFAULT_SQL_WORKERS} on SQL
 * brokers; {@code -Dtasks.bench.fleetWorkers})
 * run in this JVM, each with its own broker instance (its own connections, as {@code N} processes would
 * have), on two queues with {@code -c 4}, nothing queued. After a settling pause it reports, over a window,
 * the server's commands (or transactions) and CPU per second, and this JVM's CPU per worker; then it
 * enqueues tasks at a low rate to the idle fleet and reports enqueue-to-start latency.
 */
final class FleetIdle {
    static final int DEFAULT_WORKERS = 50;
    /** On SQL brokers each worker holds a pool of connections: fewer, so the server's connection limit holds. */
    static final int DEFAULT_SQL_WORKERS = 10;
    private static final List<String> QUEUES = List.of("fleet-orders", "fleet-billing");

    private final Target target;
    private final Report report;
    private final Options.Mode mode;
    private final TaskRegistry registry;
    private final Tasks tasks;
    private final Supplier<Map<String, Long>> counters;

    FleetIdle(Target target, Report report, Options.Mode mode, TaskRegistry registry, Tasks tasks,
            Supplier<Map<String, Long>> counters) {
        this.target = target;
        this.report = report;
        this.mode = mode;
        this.registry = registry;
        this.tasks = tasks;
        this.counters = counters;
    }

    void run() throws Exception {
        String broker = target.name();
        int n = mode == Options.Mode.SMOKE ? 3 : Integer.getInteger("tasks.bench.fleetWorkers",
                "redis".equals(broker) ? DEFAULT_WORKERS : DEFAULT_SQL_WORKERS);
        long windowSeconds = mode.pick(2, 10, 30, 60);
        List<Broker> brokers = new ArrayList<>();
        List<Worker> workers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Broker b = target.open();
                brokers.add(b);
                Worker w = Worker.builder().broker(b).registry(registry).queues(QUEUES).concurrency(4).build();
                workers.add(w);
                w.start();
            }
            // Start-up costs (scripts loaded, groups created, the first depth poll) are not idle costs.
            pause(TimeUnit.SECONDS.toNanos(mode == Options.Mode.SMOKE ? 1 : 5));
            Map<String, Long> before = counters.get();
            long t0 = System.nanoTime();
            pause(TimeUnit.SECONDS.toNanos(windowSeconds));
            Map<String, Long> after = counters.get();
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Long> d = new LinkedHashMap<>();
            after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
            Map<String, String> extra = Map.of("workers", Integer.toString(n), "queues_per_worker",
                    Integer.toString(QUEUES.size()), "window_s", Report.fmt(secs));
            if (d.containsKey("commands")) {
                long scripts = d.getOrDefault("cmd_evalsha", 0L) + d.getOrDefault("cmd_eval", 0L);
                Map<String, String> e = new LinkedHashMap<>(extra);
                e.put("per_worker", Report.fmt(d.get("commands") / secs / n));
                e.put("scripts_per_s", Report.fmt(scripts / secs));
                e.put("detail", Report.quote(perSecond(d, secs)));
                report.result(broker, "fleet_idle_commands_per_s", d.get("commands") / secs, "commands/s",
                        "none", e);
            }
            if (d.containsKey("transactions")) {
                Map<String, String> e = new LinkedHashMap<>(extra);
                e.put("per_worker", Report.fmt(d.get("transactions") / secs / n));
                report.result(broker, "fleet_idle_transactions_per_s", d.get("transactions") / secs, "transactions/s",
                        "none", e);
            }
            if (d.containsKey("database_transactions")) {
                Map<String, String> e = new LinkedHashMap<>(extra);
                e.put("per_worker", Report.fmt(d.get("database_transactions") / secs / n));
                report.result(broker, "fleet_idle_database_transactions_per_s", d.get("database_transactions") / secs,
                        "transactions/s", "none", e);
            }
            if (d.containsKey("server_cpu_micros")) {
                report.result(broker, "fleet_idle_server_cpu", d.get("server_cpu_micros") / 1e4 / secs, "%core",
                        "none", extra);
            }
            report.result(broker, "fleet_idle_jvm_cpu_per_worker", d.getOrDefault("jvm_cpu_nanos", 0L) / 1e7 / secs / n,
                    "%core", "none", extra);
            latency(broker, n);
        } finally {
            for (Worker w : workers) {
                w.stop(Duration.ofSeconds(10));
            }
            for (Broker b : brokers) {
                b.close();
            }
            target.drop(QUEUES);
        }
    }

    /** Enqueue-to-start latency of tasks sent one at a time, at 20/s, to the idle fleet. */
    private void latency(String broker, int n) throws Exception {
        int total = mode.pick(10, 100, 200, 400);
        AtomicLongArray sent = new AtomicLongArray(total);
        AtomicLongArray started = new AtomicLongArray(total);
        Probe.onStart(seq -> {
            if (seq >= 0 && seq < total) {
                started.set((int) seq, System.nanoTime());
            }
        });
        try {
            long period = TimeUnit.MILLISECONDS.toNanos(50);
            long t0 = System.nanoTime();
            for (int i = 0; i < total; i++) {
                pause(t0 + i * period - System.nanoTime());
                long seq = i;
                sent.set(i, System.nanoTime());
                tasks.delay(BenchTasks.class, t -> t.noop(seq), EnqueueOptions.defaults().queue(QUEUES.get(i % 2)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; i < total; i++) {
                while (started.get(i) == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("task " + i + " of " + total + " did not start within 30 s");
                    }
                    pause(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            for (int i = 0; i < total; i++) {
                h.recordValue(Math.max(0, started.get(i) - sent.get(i)));
            }
            Map<String, String> extra = Map.of("workers", Integer.toString(n), "n", Integer.toString(total),
                    "rate", "20");
            String lim = target.latencyLimit();
            report.result(broker, "fleet_idle_enqueue_to_start_p50", h.getValueAtPercentile(50) / 1e6, "ms", lim, extra);
            report.result(broker, "fleet_idle_enqueue_to_start_p99", h.getValueAtPercentile(99) / 1e6, "ms", lim, extra);
            report.result(broker, "fleet_idle_enqueue_to_start_max", h.getMaxValue() / 1e6, "ms", lim, extra);
        } finally {
            Probe.onStart(null);
        }
    }

    private static String perSecond(Map<String, Long> delta, double secs) {
        StringBuilder b = new StringBuilder();
        delta.entrySet().stream().filter(e -> e.getKey().startsWith("cmd_") && e.getValue() > 0)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(12)
                .forEach(e -> b.append(b.length() == 0 ? "" : ",").append(e.getKey().substring(4)).append(':')
                        .append(Report.fmt(e.getValue() / secs)));
        return b.toString();
    }

    private static void pause(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
