package dev.tasks.benchmarks;

import dev.tasks.EnqueueOptions;
import dev.tasks.Priority;
import dev.tasks.Signature;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.support.Ids;
import dev.tasks.spi.support.VirtualThreads;
import dev.tasks.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/** The measurements of one broker. Each scenario uses its own queues and deletes them afterwards. */
final class Scenarios {
    static final String PAYLOAD_BYTES = "payload_bytes";
    private static final Duration LEASE = Duration.ofMinutes(5);

    private final Target target;
    private final Report report;
    private final Options.Mode mode;
    private final Options options;
    private final String broker;
    private final TaskRegistry registry = BenchTaskProvider.registry();
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final Clock clock = Clock.systemUTC();
    private final Broker producer;
    private final Tasks tasks;

    Scenarios(Target target, Report report, Options options) {
        this.target = target;
        this.report = report;
        this.mode = options.mode();
        this.options = options;
        this.broker = target.name();
        this.producer = target.open();
        this.tasks = Tasks.builder().broker(producer).registry(registry).build();
    }

    /**
     * A count for this mode; a tenth of it (but no less than the smoke count) for the SQL brokers, which are
     * an order of magnitude slower, so a default run stays within minutes.
     */
    private int pick(int smoke, int quick, int normal, int full) {
        int n = mode.pick(smoke, quick, normal, full);
        return "redis".equals(broker) || n == smoke ? n : Math.max(smoke, n / 10);
    }

    /** Runs every scenario; a failing one is reported and the others still run. */
    void runAll() {
        try {
            step("warmup", this::warmUp);
            step("enqueue", this::enqueue);
            step("process", this::process);
            step("latency", this::latency);
            step("storage", this::storage);
            step("scaling_depth", this::scalingDepth);
            step("scaling_queues", this::scalingQueues);
            step("fleet_idle", () -> new FleetIdle(target, report, mode, registry, tasks, this::counters).run());
            step("workflows", () -> new WorkflowScenario().run(broker, target, report,
                    List.of(10, 1_000, 10_000).subList(0, mode.pick(1, 2, 3, 3))));
            if (!options.runs("worker_processes")) {
                return;
            }
            if (options.processes()) {
                step("worker_processes", this::workerProcesses);
            } else {
                report.skip(broker, "worker_processes", "--no-processes");
            }
        } finally {
            tasks.close();
            producer.close();
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step s) {
        if (!"warmup".equals(name) && !options.runs(name)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            report.fail(broker, name, e);
        }
        report.info(broker + " " + name + " took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    }

    // ---------------------------------------------------------------- scenarios

    /** Passes of the warm-up over every measured path: fewer leave the JIT's work visible in the figures. */
    private static final int WARMUP_PASSES = 3;

    /** How many runs of a multi-threaded throughput figure: the median is reported, with the spread. */
    private int runs() {
        return mode.pick(1, 3, 3, 3);
    }

    /** JIT warm-up of the producer and worker paths; nothing is reported. */
    private void warmUp() throws Exception {
        report.limit(PAYLOAD_BYTES, samplePayload("proc-c16").length(), "bytes",
                "the JSON envelope of one no-op task");
        String q = "warmup";
        int n = pick(200, 20_000, 100_000, 100_000);
        // Each path measured later runs here first (single enqueues from 16 threads, batches through the
        // client, a worker, fetch + ack), several times, long enough for the JIT to compile it: the figures
        // are steady-state.
        int threads = 16;
        int per = Math.max(1, n / threads);
        boolean[] kinds = threadKinds();
        int queued = threads * per * kinds.length;
        int passes = mode.pick(1, WARMUP_PASSES, WARMUP_PASSES, WARMUP_PASSES);
        for (int pass = 0; pass < passes; pass++) {
            for (boolean virtual : kinds) {
                enqueueFromThreads(q, threads, per, virtual);
            }
            sendAllInBatches(q, queued, queued + n);
            runWorker(List.of(q), 16, queued + n);
        }
        prequeue(q, n / 10);
        fetchAck(q, 1, n / 10);
        target.drop(List.of(q));
    }

    private void enqueue() throws Exception {
        String limit = target.throughputLimit();
        // Single enqueues, one thread.
        String q1 = "enq-t1";
        int n1 = pick(200, 5_000, 20_000, 20_000);
        Map<String, Long> before = counters();
        long t0 = System.nanoTime();
        for (int i = 0; i < n1; i++) {
            long seq = i;
            tasks.delay(BenchTasks.class, t -> t.noop(seq), EnqueueOptions.defaults().queue(q1));
        }
        double rate = n1 / seconds(t0);
        Map<String, Long> after = counters();
        report.result(broker, "enqueue_single_t1", rate, "tasks/s", limit, Map.of("n", Integer.toString(n1)));
        cost("enqueue_single", before, after, n1);
        target.drop(List.of(q1));

        // Single enqueues, 16 threads: the median of several runs. On Java 21+ also from 16 virtual threads,
        // whose waits for the group's round trip cost no kernel thread switch.
        String q16 = "enq-t16";
        int threads = 16;
        int per = pick(50, 1_250, 6_250, 6_250);
        for (boolean virtual : threadKinds()) {
            String metric = virtual ? "enqueue_single_t16_virtual" : "enqueue_single_t16";
            double[] rates = new double[runs()];
            for (int r = 0; r < rates.length; r++) {
                before = counters();
                rates[r] = threads * per / enqueueFromThreads(q16, threads, per, virtual);
                after = counters();
                expectQueued(q16, threads * per);
                target.drop(List.of(q16));
            }
            report.result(broker, metric, median(rates), "tasks/s", limit,
                    spread(rates, Map.of("n", Integer.toString(threads * per))));
            cost(metric, before, after, (long) threads * per);
        }

        // Batches through the client (encode + validate + publish), 1000 per call.
        String qb = "enq-batch";
        int nb = pick(2_000, 50_000, 200_000, 200_000);
        before = counters();
        t0 = System.nanoTime();
        sendAllInBatches(qb, 0, nb);
        rate = nb / seconds(t0);
        after = counters();
        report.result(broker, "enqueue_batch_sendall_1000", rate, "tasks/s", limit, Map.of("n", Integer.toString(nb),
                "ratio_to_xadd_p16", report.ratio(rate, Limits.REDIS_XADD_P16)));
        cost("enqueue_batch", before, after, nb);
        expectQueued(qb, nb);
        target.drop(List.of(qb));

        // Batches straight to the broker (payloads encoded beforehand), 1000 per call.
        String qp = "enq-publish";
        List<List<OutboundMessage>> lists = new ArrayList<>();
        for (int from = 0; from < nb; from += 1000) {
            List<OutboundMessage> list = new ArrayList<>(1000);
            for (int i = from; i < Math.min(nb, from + 1000); i++) {
                list.add(message(qp, i));
            }
            lists.add(list);
        }
        t0 = System.nanoTime();
        for (List<OutboundMessage> list : lists) {
            producer.publish(list);
        }
        rate = nb / seconds(t0);
        report.result(broker, "enqueue_batch_publish_1000", rate, "tasks/s", limit, Map.of("n", Integer.toString(nb),
                "ratio_to_xadd_p16", report.ratio(rate, Limits.REDIS_XADD_P16)));
        target.drop(List.of(qp));
    }

    private void process() throws Exception {
        String limit = target.throughputLimit();
        for (int c : new int[] {1, 16}) {
            String q = "proc-c" + c;
            int n = c == 1 ? pick(300, 5_000, 20_000, 20_000) : pick(2_000, 50_000, 200_000, 200_000);
            // -c 16: the median of several runs (costs from the last one).
            double[] rates = new double[c == 1 ? 1 : runs()];
            Map<String, Long> before = Map.of();
            Map<String, Long> after = Map.of();
            for (int r = 0; r < rates.length; r++) {
                prequeue(q, n);
                before = counters();
                rates[r] = n / runWorker(List.of(q), c, n);
                after = counters();
                expectQueued(q, 0);
                target.drop(List.of(q));
            }
            report.result(broker, "process_noop_c" + c, median(rates), "tasks/s", limit,
                    spread(rates, Map.of("n", Integer.toString(n))));
            cost("process_c" + c, before, after, n);
        }
        // Fetch + ack from one thread, no worker: the broker's own cost per task.
        String q = "proc-fetch";
        int rounds = pick(100, 1_000, 3_000, 3_000);
        prequeue(q, rounds * 17);
        double one = fetchAck(q, 1, rounds);
        report.result(broker, "fetch1_ack1_t1", one, "tasks/s", singleThreadLimit(),
                Map.of("rounds", Integer.toString(rounds)));
        double sixteen = fetchAck(q, 16, rounds);
        report.result(broker, "fetch16_ack16_t1", sixteen, "tasks/s", limit, Map.of("rounds", Integer.toString(rounds)));
        target.drop(List.of(q));
    }

    /** The time of one round trip, in microseconds (a CPU cost per task is compared with it). */
    private String singleThreadLatency() {
        return "postgres".equals(broker) ? Limits.PG_CLAIM_C1_US : Limits.REDIS_XADD_C1_US;
    }

    /** The limit of one connection, one command at a time. */
    private String singleThreadLimit() {
        return "redis".equals(broker) ? Limits.REDIS_XADD_C1 : target.throughputLimit();
    }

    private void latency() throws Exception {
        String q = "latency";
        int rate = 500;
        int seconds = mode.pick(1, 5, 20, 60);
        int warm = mode == Options.Mode.SMOKE ? 0 : rate;
        int total = rate * seconds + warm;
        AtomicLongArray sent = new AtomicLongArray(total);
        AtomicLongArray started = new AtomicLongArray(total);
        AtomicLongArray done = new AtomicLongArray(total);
        Broker workerBroker = target.open();
        CountingBroker counting = new CountingBroker(workerBroker);
        counting.onAcked(d -> {
            long now = System.nanoTime();
            int seq = seqOf(d);
            if (seq >= 0 && seq < total) {
                done.set(seq, now);
            }
        });
        Probe.onStart(seq -> {
            if (seq >= 0 && seq < total) {
                started.set((int) seq, System.nanoTime());
            }
        });
        Worker worker = Worker.builder().broker(counting).registry(registry).queues(q).concurrency(16).build();
        try {
            worker.start();
            TimeUnit.MILLISECONDS.sleep(300); // let the fetcher reach its blocking read: idle workers
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            long t0 = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = t0 + i * period;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                long seq = i;
                sent.set(i, System.nanoTime());
                tasks.delay(BenchTasks.class, t -> t.noop(seq), EnqueueOptions.defaults().queue(q));
            }
            double achieved = total / seconds(t0);
            awaitCount(counting::acked, total, "latency tasks done");
            Histogram toStart = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            Histogram toDone = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            for (int i = warm; i < total; i++) {
                toStart.recordValue(Math.max(0, started.get(i) - sent.get(i)));
                toDone.recordValue(Math.max(0, done.get(i) - sent.get(i)));
            }
            String lim = target.latencyLimit();
            Map<String, String> extra = Map.of("rate", Long.toString(Math.round(achieved)), "n",
                    Long.toString(toStart.getTotalCount()));
            report.result(broker, "latency_enqueue_to_start_p50", ms(toStart.getValueAtPercentile(50)), "ms", lim, extra);
            report.result(broker, "latency_enqueue_to_start_p99", ms(toStart.getValueAtPercentile(99)), "ms", lim, extra);
            report.result(broker, "latency_enqueue_to_start_max", ms(toStart.getMaxValue()), "ms", lim, extra);
            report.result(broker, "latency_enqueue_to_done_p50", ms(toDone.getValueAtPercentile(50)), "ms", lim, extra);
            report.result(broker, "latency_enqueue_to_done_p99", ms(toDone.getValueAtPercentile(99)), "ms", lim, extra);
            report.result(broker, "latency_enqueue_to_done_max", ms(toDone.getMaxValue()), "ms", lim, extra);
        } finally {
            Probe.onStart(null);
            worker.stop(Duration.ofSeconds(10));
            workerBroker.close();
            target.drop(List.of(q));
        }
    }

    private int seqOf(Delivery d) {
        try {
            return codec.decode(d.payload()).args().get(0).asInt(-1);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Memory (or disk) per queued task. */
    private void storage() throws Exception {
        String q = "storage";
        int n = pick(2_000, 20_000, 100_000, 100_000);
        long stored = target.storedBytes(List.of(q)).orElse(0L);
        Map<String, Long> before = counters();
        prequeue(q, n);
        Map<String, Long> after = counters();
        // A delta: SQL tables keep the space of earlier scenarios' rows until vacuumed.
        target.storedBytes(List.of(q)).ifPresent(bytes -> report.result(broker, "stored_bytes_per_queued_task",
                (double) (bytes - stored) / n, "bytes/task", PAYLOAD_BYTES, Map.of("n", Integer.toString(n))));
        if (before.containsKey("used_memory")) {
            report.result(broker, "used_memory_per_queued_task", (double) (after.get("used_memory")
                    - before.get("used_memory")) / n, "bytes/task", PAYLOAD_BYTES, Map.of("n", Integer.toString(n)));
        }
        target.drop(List.of(q));
    }

    /** Throughput and fetch cost with a shallow and a deep queue. */
    private void scalingDepth() throws Exception {
        int shallow = mode.pick(1_000, 10_000, 10_000, 10_000);
        int deep = mode.pick(4_000, 100_000, 100_000, 1_000_000);
        // The same number of rounds for every broker (not a tenth for SQL): a few hundred tasks are mostly
        // JIT warm-up and statistics noise. A short unmeasured warm-up at each depth comes first.
        int rounds = mode.pick(20, 200, 500, 500);
        // Enough tasks that the worker's start (its first fetches, the JIT of a new worker) is a small part of the time.
        int work = pick(500, 20_000, 50_000, 50_000);
        for (int depth : new int[] {shallow, deep}) {
            String q = "depth-" + depth;
            String label = depth >= 1_000_000 ? (depth / 1_000_000) + "m" : (depth / 1000) + "k";
            // At least `depth` stay queued through the warm-up, the measured rounds and the worker's run.
            prequeue(q, depth + 16 * (rounds + rounds / 10) + work);
            fetchAck(q, 16, rounds / 10);
            Map<String, Long> before = counters();
            double fetch = fetchAck(q, 16, rounds);
            Map<String, Long> after = counters();
            report.result(broker, "fetch16_ack16_t1_depth" + label, fetch, "tasks/s", target.throughputLimit());
            cost("fetch16_ack16_depth" + label, before, after, 16L * rounds);
            double secs = runWorker(List.of(q), 16, work);
            report.result(broker, "process_noop_c16_depth" + label, work / secs, "tasks/s", target.throughputLimit(),
                    Map.of("n", Integer.toString(work)));
            target.drop(List.of(q));
        }
    }

    /** The same number of tasks from 1 queue and spread over 100 queues consumed by one worker. */
    private void scalingQueues() throws Exception {
        int n = pick(1_000, 10_000, 20_000, 50_000);
        String single = "one-queue";
        prequeue(single, n);
        double secs = runWorker(List.of(single), 16, n);
        report.result(broker, "process_noop_c16_1queue", n / secs, "tasks/s", target.throughputLimit(),
                Map.of("n", Integer.toString(n)));
        target.drop(List.of(single));

        List<String> queues = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queues.add("many-" + i);
        }
        // Every one of the 100 queues busy; then only 2 of them (the 98 others empty all along).
        for (int busy : new int[] {queues.size(), 2}) {
            String suffix = busy == queues.size() ? "" : "_" + busy + "busy";
            spread(queues, busy, n);
            Map<String, Long> before = counters();
            secs = runWorker(queues, 16, n);
            Map<String, Long> after = counters();
            report.result(broker, "process_noop_c16_100queues" + suffix, n / secs, "tasks/s", target.throughputLimit(),
                    Map.of("n", Integer.toString(n)));
            cost("process_c16_100queues" + suffix, before, after, n);
            target.drop(queues);
        }
    }

    /** Enqueues {@code n} no-op tasks through the client, round robin over the first {@code busy} queues. */
    private void spread(List<String> queues, int busy, int n) {
        List<Signature> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Signature.of("bench.noop", (long) i).queue(queues.get(i % busy)));
            if (batch.size() == 1000) {
                tasks.sendAll(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            tasks.sendAll(batch);
        }
    }

    /** Worker processes (separate JVMs started through the CLI): start-up, footprint, throughput. */
    private void workerProcesses() throws Exception {
        Path dir = Files.createTempDirectory("tasks-bench");
        Path config = dir.resolve("tasks.properties");
        Properties props = new Properties();
        props.putAll(target.properties());
        try (var out = Files.newOutputStream(config)) {
            props.store(out, "benchmark worker processes");
        }
        // 1. One worker, one queued task: time to the first task, then its idle footprint.
        String qa = "proc-idle";
        prequeue(qa, 1);
        WorkerProcess a = WorkerProcess.start(config, qa, 16, dir.resolve("idle.log"));
        try {
            a.awaitFirstTask(60_000);
            report.result(broker, "worker_process_start_to_first_task", a.startupMillis(), "ms", Limits.JVM_STARTUP);
            TimeUnit.SECONDS.sleep(mode == Options.Mode.SMOKE ? 1 : 3);
            report.result(broker, "worker_process_idle_rss", a.rssMiB(), "MiB", Limits.JVM_IDLE_RSS);
        } finally {
            a.stop();
        }
        target.drop(List.of(qa));

        // 2. Two workers with -c 16 on pre-queued tasks.
        String qb = "proc-two";
        int n = pick(1_000, 50_000, 200_000, 200_000);
        prequeue(qb, n);
        WorkerProcess b1 = WorkerProcess.start(config, qb, 16, dir.resolve("w1.log"));
        WorkerProcess b2 = WorkerProcess.start(config, qb, 16, dir.resolve("w2.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + n / 1000);
            double rss = 0;
            long first = -1;
            while (true) {
                if (first < 0 && (b1.firstTaskNanos() > 0 || b2.firstTaskNanos() > 0)) {
                    first = b1.firstTaskNanos() > 0 && b2.firstTaskNanos() > 0
                            ? Math.min(b1.firstTaskNanos(), b2.firstTaskNanos())
                            : Math.max(b1.firstTaskNanos(), b2.firstTaskNanos());
                }
                if (first > 0) {
                    rss = Math.max(rss, Math.max(b1.rssMiBOrZero(), b2.rssMiBOrZero()));
                    QueueStats s = producer.stats(qb);
                    if (s.ready() == 0 && s.inFlight() == 0) {
                        break;
                    }
                }
                b1.checkAlive();
                b2.checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("two worker processes did not finish " + n + " tasks in time: "
                            + producer.stats(qb));
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
            double secs = (System.nanoTime() - first) / 1e9;
            report.result(broker, "process_noop_2proc_c16", n / secs, "tasks/s", target.throughputLimit(),
                    Map.of("n", Integer.toString(n)));
            report.result(broker, "worker_process_busy_rss_c16", rss, "MiB", Limits.JVM_IDLE_RSS);
        } finally {
            b1.stop();
            b2.stop();
            target.drop(List.of(qb));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The kinds of caller threads measured: platform threads (false), and virtual ones (true) on Java 21+. */
    private static boolean[] threadKinds() {
        return VirtualThreads.available() ? new boolean[] {false, true} : new boolean[] {false};
    }

    /**
     * Enqueues {@code per} no-op tasks one at a time from each of {@code threads} threads (virtual ones if
     * {@code virtual}), all starting at once; returns the seconds from the start until the last returned.
     */
    private double enqueueFromThreads(String q, int threads, int per, boolean virtual) throws Exception {
        ExecutorService pool = virtual ? VirtualThreads.newExecutor() : Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * per;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < per; i++) {
                        long seq = base + i;
                        tasks.delay(BenchTasks.class, x -> x.noop(seq), EnqueueOptions.defaults().queue(q));
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
            return seconds(t0);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Enqueues no-op tasks numbered {@code from} (inclusive) to {@code to} through sendAll, 1000 per call. */
    private void sendAllInBatches(String q, int from, int to) {
        for (int start = from; start < to; start += 1000) {
            List<Signature> batch = new ArrayList<>(1000);
            for (int i = start; i < Math.min(to, start + 1000); i++) {
                batch.add(Signature.of("bench.noop", (long) i).queue(q));
            }
            tasks.sendAll(batch);
        }
    }

    /** Runs an in-process worker (defaults, concurrency c) until {@code n} tasks were acked; returns seconds. */
    private double runWorker(List<String> queues, int concurrency, int n) throws Exception {
        Broker workerBroker = target.open();
        CountingBroker counting = new CountingBroker(workerBroker);
        Worker worker = Worker.builder().broker(counting).registry(registry).queues(queues).concurrency(concurrency)
                .build();
        try {
            long t0 = System.nanoTime();
            worker.start();
            awaitCount(counting::acked, n, n + " tasks processed");
            double secs = seconds(t0);
            if (counting.deadLettered() > 0) {
                throw new AssertionError(counting.deadLettered() + " task(s) were dead-lettered");
            }
            return secs;
        } finally {
            worker.stop(Duration.ofSeconds(10));
            workerBroker.close();
        }
    }

    /** Fetches {@code batch} and acks them, {@code rounds} times, from this thread; returns tasks/s. */
    private double fetchAck(String q, int batch, int rounds) {
        List<String> queues = List.of(q);
        long count = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            List<Delivery> got = producer.fetch(queues, batch, LEASE, Duration.ZERO);
            if (got.isEmpty()) {
                throw new AssertionError("queue " + q + " ran dry after " + count + " tasks");
            }
            producer.ack(got);
            count += got.size();
        }
        return count / seconds(t0);
    }

    private void prequeue(String q, int n) {
        for (int from = 0; from < n; from += 1000) {
            List<OutboundMessage> list = new ArrayList<>(1000);
            for (int i = from; i < Math.min(n, from + 1000); i++) {
                list.add(message(q, i));
            }
            producer.publish(list);
        }
    }

    private OutboundMessage message(String q, long seq) {
        Envelope e = Envelope.builder(Ids.newId(clock), "bench.noop").args(codec.encodeArgs(new Object[] {seq})).queue(q)
                .priority(Priority.DEFAULT).createdAt(clock.instant()).build();
        return new OutboundMessage(e.id(), q, e.priority(), null, codec.encode(e));
    }

    private String samplePayload(String q) {
        return message(q, 123_456).payload();
    }

    private void expectQueued(String q, long n) {
        QueueStats s = producer.stats(q);
        if (s.ready() + s.delayed() + s.inFlight() != n) {
            throw new AssertionError("queue " + q + " should hold " + n + " task(s), holds " + s);
        }
    }

    private Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>(target.counters().map(Target.ServerCounters::snapshot).orElse(Map.of()));
        m.put("jvm_cpu_nanos", jvmCpuNanos());
        return m;
    }

    /** CPU time of this JVM (every thread: producer, worker, driver, GC, JIT). */
    private static double[] sorted(double[] values) {
        double[] out = values.clone();
        java.util.Arrays.sort(out);
        return out;
    }

    private static double median(double[] values) {
        return sorted(values)[values.length / 2];
    }

    /** {@code extra}, plus the number of runs and their range when there were several. */
    private static Map<String, String> spread(double[] values, Map<String, String> extra) {
        Map<String, String> out = new LinkedHashMap<>(extra);
        if (values.length > 1) {
            double[] sorted = sorted(values);
            out.put("runs", Integer.toString(values.length));
            out.put("min", Long.toString(Math.round(sorted[0])));
            out.put("max", Long.toString(Math.round(sorted[sorted.length - 1])));
        }
        return out;
    }

    private static long jvmCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** Server-side cost per task between two snapshots (includes whatever else ran on the server). */
    private void cost(String what, Map<String, Long> before, Map<String, Long> after, long n) {
        if (n == 0) {
            return;
        }
        Map<String, Long> d = new LinkedHashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        if (d.containsKey("commands")) {
            long scripts = d.getOrDefault("cmd_evalsha", 0L) + d.getOrDefault("cmd_eval", 0L);
            report.result(broker, what + "_commands_per_task", (double) d.get("commands") / n, "commands/task",
                    Limits.ONE_COMMAND, Map.of("scripts_per_task", Report.fmt((double) scripts / n), "detail",
                            Report.quote(topCommands(d, n))));
        }
        if (d.containsKey("transactions")) {
            report.result(broker, what + "_transactions_per_task", (double) d.get("transactions") / n, "transactions/task",
                    Limits.ONE_TRANSACTION, Map.of("wal_bytes_per_task", Report.fmt((double) d.getOrDefault("wal_bytes", 0L) / n),
                            "rows_written_per_task", Report.fmt((double) d.get("rows_written") / n),
                            "wal_syncs_per_task", Report.fmt((double) d.getOrDefault("wal_syncs", 0L) / n)));
        }
        report.result(broker, what + "_jvm_cpu_per_task", d.getOrDefault("jvm_cpu_nanos", 0L) / 1000.0 / n, "us/task",
                singleThreadLatency());
        if (d.containsKey("server_cpu_micros")) {
            report.result(broker, what + "_server_cpu_per_task", (double) d.get("server_cpu_micros") / n, "us/task",
                    singleThreadLatency());
        }
        if (d.containsKey("bytes_in")) {
            report.result(broker, what + "_bytes_in_per_task", (double) d.get("bytes_in") / n, "bytes/task",
                    PAYLOAD_BYTES);
            report.result(broker, what + "_bytes_out_per_task", (double) d.get("bytes_out") / n, "bytes/task",
                    PAYLOAD_BYTES);
        }
    }

    private static String topCommands(Map<String, Long> delta, long n) {
        StringBuilder b = new StringBuilder();
        delta.entrySet().stream().filter(e -> e.getKey().startsWith("cmd_") && e.getValue() > 0)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(10)
                .forEach(e -> b.append(b.length() == 0 ? "" : ",").append(e.getKey().substring(4)).append(':')
                        .append(Report.fmt((double) e.getValue() / n)));
        return b.toString();
    }

    private static void awaitCount(LongCounter counter, long n, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + n / 500);
        while (counter.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ": " + counter.get() + " of " + n);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @FunctionalInterface
    private interface LongCounter {
        long get();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** A worker process started through the CLI, whose stdout is watched for the first-task marker. */
    static final class WorkerProcess {
        private final Process process;
        private final long startedNanos;
        private volatile long firstTaskNanos;
        private final Path log;

        private WorkerProcess(Process process, long startedNanos, Path log) {
            this.process = process;
            this.startedNanos = startedNanos;
            this.log = log;
            Thread reader = new Thread(this::watch, "bench-worker-" + process.pid() + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static WorkerProcess start(Path config, String queue, int concurrency, Path log) throws IOException {
            List<String> cmd = List.of(Procs.java(), "-D" + Probe.MARKER_PROPERTY + "=true", "-cp", Procs.classPath(),
                    "dev.tasks.worker.cli.TasksCli", "worker", "--config", config.toString(), "-Q", queue, "-c",
                    Integer.toString(concurrency), "--grace", "PT5S");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            return new WorkerProcess(p, t0, log);
        }

        private void watch() {
            try (InputStream in = process.getInputStream()) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = in.read()) >= 0) {
                    if (c == '\n') {
                        if (line.toString().strip().equals(Probe.FIRST_TASK_MARKER) && firstTaskNanos == 0) {
                            firstTaskNanos = System.nanoTime();
                        }
                        line.setLength(0);
                    } else {
                        line.append((char) c);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        long firstTaskNanos() {
            return firstTaskNanos;
        }

        void awaitFirstTask(long timeoutMillis) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (firstTaskNanos == 0) {
                checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("worker process ran no task within " + timeoutMillis + " ms; log: " + tail());
                }
                TimeUnit.MILLISECONDS.sleep(2);
            }
        }

        double startupMillis() {
            return (firstTaskNanos - startedNanos) / 1e6;
        }

        double rssMiB() throws IOException {
            return Procs.rssMiB(process.pid());
        }

        double rssMiBOrZero() {
            try {
                return rssMiB();
            } catch (IOException e) {
                return 0;
            }
        }

        void checkAlive() throws IOException {
            if (!process.isAlive()) {
                throw new AssertionError("worker process exited with " + process.exitValue() + "; log: " + tail());
            }
        }

        private String tail() throws IOException {
            String s = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        }

        /** SIGTERM (warm shutdown), then waits; kills it if it does not exit. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
