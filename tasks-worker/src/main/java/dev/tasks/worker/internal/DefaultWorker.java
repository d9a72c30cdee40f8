package dev.tasks.worker.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tasks.ArgumentMismatchException;
import dev.tasks.MessageDecodeException;
import dev.tasks.RetryPolicy;
import dev.tasks.RetryRequested;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskState;
import dev.tasks.TimeLimitExceeded;
import dev.tasks.internal.LogSafe;
import dev.tasks.internal.TaskContextHolder;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.worker.PoolType;
import dev.tasks.worker.Termination;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import dev.tasks.worker.WorkerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The worker runtime behind {@link Worker}. Threads (all named after the queues):
 * <ul>
 *   <li>a fetcher that leases batches of deliveries while places allow ({@code concurrency + prefetch}; see
 *       {@link Places} for when it fetches);</li>
 *   <li>{@code concurrency} slots (platform or virtual threads) that take deliveries from the local buffer;</li>
 *   <li>an {@link Acker} that acknowledges finished tasks in batches, so that slots do not wait for it;</li>
 *   <li>a timer for soft and hard time limits;</li>
 *   <li>a housekeeping pair: the lease heartbeat and the queue-depth poller.</li>
 * </ul>
 * Every delivery is a {@link Run} whose state changes under its own lock, so it is settled exactly once.
 */
public final class DefaultWorker implements Worker {

    /** Header holding the first time a worker met a task name it did not know (ISO-8601 instant). */
    public static final String UNKNOWN_SINCE_HEADER = "tasks-unknown-since";

    private static final Logger log = LogSafe.logger(Worker.class);
    private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(5);
    private static final long SLOT_POLL_MILLIS = 100;
    /** The first pause before a failed lease heartbeat is tried again (doubling while sooner than the next beat). */
    static final long FIRST_HEARTBEAT_RETRY_MILLIS = 100;

    private final WorkerConfig config;
    private final Broker broker;
    private final Clock clock;
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final MessageReader reader;
    private final WorkerMetrics metrics;
    private final String threadPrefix;
    private final Control control;
    private final LayoutGuard layoutGuard;
    private final Presence presence;
    private final QueueDepths queueDepths;

    private final Object lifecycle = new Object();
    private volatile WorkerState state = WorkerState.NEW;
    private volatile Termination termination;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean fetching;
    private volatile boolean coldRequested;

    private final Places places;
    private final Acker acker;
    private final Settler settler;
    /** Held while a heartbeat runs (the regular one or a retry). */
    private final AtomicBoolean beating = new AtomicBoolean();
    /** The pause before the next retry of a failed heartbeat (housekeeping threads only). */
    private volatile long heartbeatRetryMillis = FIRST_HEARTBEAT_RETRY_MILLIS;
    private final LinkedBlockingQueue<Run> buffer = new LinkedBlockingQueue<>();
    private final Map<String, Run> held = new ConcurrentHashMap<>();
    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final AtomicInteger slotSeq = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger stuck = new AtomicInteger();
    private final AtomicLong fetchRound = new AtomicLong();
    private final Object idle = new Object();

    private Thread fetcher;
    private ScheduledExecutorService timer;
    private ScheduledExecutorService housekeeping;
    private ExecutorService virtualExecutor;

    public DefaultWorker(WorkerConfig config) {
        this.config = config;
        this.reader = new MessageReader(codec, config.maxMessageBytes());
        this.broker = config.broker();
        this.clock = config.clock();
        this.metrics = new WorkerMetrics(config.meterRegistry());
        int capacity = config.concurrency() + config.prefetch();
        this.places = new Places(capacity, Places.defaultBatch(capacity), buffer::isEmpty);
        String queues = String.join("+", config.queues());
        this.threadPrefix = "tasks-worker-" + (queues.length() > 40 ? queues.substring(0, 40) : queues);
        this.settler = new Settler(broker);
        this.control = new Control(config, this::cleanup, settler);
        this.layoutGuard = new LayoutGuard(config);
        this.presence = new Presence(config, active::get);
        this.queueDepths = new QueueDepths(broker, metrics, config);
        this.acker = new Acker(broker, capacity, threadPrefix + "-acker");
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void start() {
        synchronized (lifecycle) {
            if (state == WorkerState.RUNNING) {
                return;
            }
            if (state != WorkerState.NEW) {
                throw new IllegalStateException("worker " + config.workerId() + " is " + state
                        + " and cannot be started again; build a new one");
            }
            layoutGuard.start();
            for (TaskDefinition d : config.registry().definitions()) {
                if (!d.hasImplementation()) {
                    log.warn("task {} is declared without an implementation; this worker treats it as unknown",
                            d.name());
                }
            }
            metrics.registerGauges(active::get, stuck::get);
            if (config.pool() == PoolType.VIRTUAL) {
                virtualExecutor = VirtualThreads.newExecutor();
            }
            timer = scheduler(1, threadPrefix + "-timer");
            housekeeping = scheduler(2, threadPrefix + "-housekeeping");
            state = WorkerState.RUNNING;
            fetching = true;
            for (int i = 0; i < config.concurrency(); i++) {
                startSlot(null);
            }
            acker.start();
            fetcher = new Thread(this::fetchLoop, threadPrefix + "-fetcher");
            fetcher.setDaemon(false);
            fetcher.start();
            long beat = config.heartbeatInterval().toNanos();
            housekeeping.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            housekeeping.scheduleWithFixedDelay(control::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            housekeeping.scheduleWithFixedDelay(layoutGuard::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            presence.start();
            housekeeping.scheduleWithFixedDelay(presence::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            long statsEvery = config.statsInterval().toNanos();
            housekeeping.scheduleWithFixedDelay(queueDepths::poll, 0, statsEvery, TimeUnit.NANOSECONDS);
            log.info("worker started: {}", config.describe());
        }
    }

    @Override
    public void stop(Duration grace) {
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace must be >= 0, was " + grace);
        }
        shutdown(grace, Termination.STOPPED);
    }

    @Override
    public void stopNow() {
        coldRequested = true;
        settler.stopBy(System.nanoTime());
        synchronized (idle) {
            idle.notifyAll();
        }
        shutdown(Duration.ZERO, Termination.STOPPED);
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        try {
            return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public Optional<Termination> termination() {
        return Optional.ofNullable(termination);
    }

    @Override
    public WorkerState state() {
        return state;
    }

    @Override
    public WorkerConfig config() {
        return config;
    }

    @Override
    public int inFlight() {
        return active.get();
    }

    @Override
    public int stuckThreads() {
        return stuck.get();
    }

    private void shutdown(Duration grace, Termination reason) {
        boolean waitForOther = false;
        synchronized (lifecycle) {
            if (state == WorkerState.NEW) {
                state = WorkerState.TERMINATED;
                termination = reason;
                terminated.countDown();
                return;
            }
            if (state != WorkerState.RUNNING) {
                waitForOther = true;
            } else {
                state = WorkerState.STOPPING;
                fetching = false;
            }
        }
        if (waitForOther) {
            // Another thread is stopping (or has stopped) the worker: wait for it, outside the lock.
            awaitUninterruptibly();
            return;
        }
        try {
            drain(grace);
        } finally {
            synchronized (lifecycle) {
                state = WorkerState.TERMINATED;
                termination = reason;
            }
            terminated.countDown();
        }
    }

    private void awaitUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shutdown sequence, in order: fetcher, prefetched tasks, running tasks (grace), then the rest. */
    private void drain(Duration grace) {
        long t0 = System.nanoTime();
        log.info("worker {} stopping: no more fetching; giving back prefetched tasks and waiting up to {} for {}"
                + " running task(s)", config.workerId(), grace, active.get());
        joinFetcher();
        int prefetched = releaseQueued();
        long deadline = System.nanoTime() + grace.toNanos();
        settler.stopBy(coldRequested ? System.nanoTime() : deadline);
        synchronized (idle) {
            while (active.get() > 0 && !coldRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(idle, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        int cold = releaseActive();
        prefetched += releaseQueued();
        flushAcks();
        stopHousekeeping();
        layoutGuard.withdraw();
        presence.withdraw();
        timer.shutdownNow();
        if (virtualExecutor != null) {
            virtualExecutor.shutdown();
        }
        queueDepths.close();
        metrics.close();
        log.info("worker {} stopped in {} ms: {} prefetched task(s) given back at once, {} running task(s) given back"
                + " after the grace period{}", config.workerId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                prefetched, cold, stuck.get() > 0 ? ", " + stuck.get() + " thread(s) still stuck in abandoned tasks" : "");
    }

    /**
     * Lets a heartbeat or stats poll in progress finish instead of interrupting it: an interrupt in the
     * middle of a broker call can break more than the call (H2, for one, closes its database file for the
     * whole process when a thread reading it is interrupted).
     */
    private void stopHousekeeping() {
        housekeeping.shutdown();
        try {
            if (!housekeeping.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("a lease heartbeat or queue poll of worker {} did not finish within 10 s of shutdown; it is"
                        + " left to finish on its own", config.workerId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the acks of finished tasks to complete (bounded), then stops the acker. */
    private void flushAcks() {
        int left = acker.pending();
        try {
            if (!acker.close(30, TimeUnit.SECONDS)) {
                log.warn("{} acknowledgement(s) of finished tasks did not complete within 30 s of shutdown; those"
                        + " tasks will be redelivered when their lease runs out", acker.pending());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while waiting for {} acknowledgement(s) of finished tasks; unacknowledged tasks"
                    + " will be redelivered when their lease runs out", left);
        }
    }

    private void joinFetcher() {
        Thread f = fetcher;
        if (f == null || f == Thread.currentThread()) {
            return;
        }
        try {
            f.join(config.fetchWait().toMillis() + 2000);
            if (f.isAlive()) {
                f.interrupt();
                f.join(5000);
                if (f.isAlive()) {
                    log.warn("fetcher thread {} did not stop within {} ms of shutdown; deliveries it still receives"
                            + " are given back when its fetch returns", f.getName(), config.fetchWait().toMillis() + 7000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives back every prefetched, unstarted delivery in one call; returns how many. */
    private int releaseQueued() {
        List<Run> drained = new ArrayList<>();
        buffer.drainTo(drained);
        List<Run> released = new ArrayList<>();
        for (Run r : drained) {
            if (r.cancelQueued()) {
                released.add(r);
            }
        }
        giveBack(released, "prefetched");
        return released.size();
    }

    /** Cold part of shutdown: gives back every running delivery (their outcome will be ignored). */
    private int releaseActive() {
        List<Run> abandoned = new ArrayList<>();
        for (Run r : held.values()) {
            if (r.abandonForShutdown()) {
                abandoned.add(r);
            } else if (r.cancelQueued()) {
                buffer.remove(r);
                abandoned.add(r);
            }
        }
        List<Run> leased = new ArrayList<>();
        for (Run r : abandoned) {
            if (!r.earlyAcked) {
                leased.add(r);
            }
            log.warn("task {} ({}) was still running at the end of the shutdown grace period; it is given back to"
                    + " queue {} and will be redelivered", r.taskId(), r.taskName(), r.delivery.queue());
        }
        giveBack(leased, "running");
        for (Run r : abandoned) {
            if (r.earlyAcked) {
                cleanup(r);
            }
        }
        return abandoned.size();
    }

    private void giveBack(List<Run> runs, String what) {
        if (runs.isEmpty()) {
            return;
        }
        List<Delivery> deliveries = new ArrayList<>(runs.size());
        for (Run r : runs) {
            deliveries.add(r.delivery);
        }
        try {
            broker.release(deliveries);
        } catch (RuntimeException e) {
            log.warn("could not give back {} {} task(s) to the broker ({}); they will be redelivered when their"
                    + " lease of {} runs out", runs.size(), what, e.toString(), config.lease());
        }
        for (Run r : runs) {
            cleanup(r);
        }
    }

    private void selfStop() {
        Thread t = new Thread(() -> {
            try {
                shutdown(config.shutdownGrace(), Termination.TOO_MANY_STUCK_THREADS);
            } catch (Throwable e) {
                log.error("worker {} failed to stop after too many stuck threads", config.workerId(), e);
            }
        }, threadPrefix + "-stopper");
        t.setDaemon(false);
        t.start();
    }

    // ---------------------------------------------------------------- fetching

    private void fetchLoop() {
        Duration backoff = Duration.ZERO;
        List<String> queues = config.queues();
        while (fetching) {
            int n = 0;
            try {
                n = places.awaitBatch(SLOT_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (n == 0) {
                    continue;
                }
                List<String> order = rotate(queues, fetchRound.getAndIncrement());
                List<Delivery> got = broker.fetch(order, n, config.lease(), config.fetchWait());
                Instant now = clock.instant();
                places.fetched(n, got.size());
                n = 0;
                List<Run> runs = new ArrayList<>(got.size());
                for (Delivery d : got) {
                    Run r = new Run(d, now);
                    held.put(d.receipt(), r);
                    runs.add(r);
                }
                if (!fetching) {
                    for (Run r : runs) {
                        r.cancelQueued();
                    }
                    giveBack(runs, "just fetched");
                    break;
                }
                control.checkRevocations(runs);
                buffer.addAll(runs);
                backoff = Duration.ZERO;
            } catch (InterruptedException e) {
                if (n > 0) {
                    places.release(n);
                }
                if (fetching) {
                    continue;
                }
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable t) {
                if (n > 0) {
                    places.release(n);
                }
                backoff = nextBackoff(backoff);
                log.warn("fetching from queues {} failed ({}); retrying in {} ms", queues, t.toString(),
                        backoff.toMillis(), t);
                if (!pause(backoff)) {
                    break;
                }
            }
        }
        log.debug("fetcher stopped");
    }

    private static List<String> rotate(List<String> queues, long round) {
        if (queues.size() == 1) {
            return queues;
        }
        int k = (int) (round % queues.size());
        List<String> r = new ArrayList<>(queues.size());
        r.addAll(queues.subList(k, queues.size()));
        r.addAll(queues.subList(0, k));
        return r;
    }

    private static Duration nextBackoff(Duration current) {
        Duration next = current.isZero() ? Duration.ofMillis(100) : current.multipliedBy(2);
        return next.compareTo(MAX_ERROR_BACKOFF) > 0 ? MAX_ERROR_BACKOFF : next;
    }

    /** Sleeps for a backoff; false if interrupted while the worker is stopping. */
    private boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            if (fetching) {
                return true;
            }
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------- slots

    private void startSlot(Run inherited) {
        int index = slotSeq.incrementAndGet();
        Slot slot = new Slot(index, threadPrefix + "-" + index, inherited);
        slots.add(slot);
        if (virtualExecutor != null) {
            virtualExecutor.execute(() -> {
                Thread.currentThread().setName(slot.name);
                slotLoop(slot);
            });
        } else {
            Thread t = new Thread(() -> slotLoop(slot), slot.name);
            // Daemon: a thread stuck past its hard limit must not keep the JVM alive after the worker stopped.
            t.setDaemon(true);
            t.start();
        }
    }

    private void slotLoop(Slot slot) {
        try {
            if (slot.inherited != null) {
                settleAbandoned(slot.inherited);
            }
            while (!slot.abandoned) {
                Run run;
                run = buffer.poll();
                if (run == null) {
                    places.slotStarved();
                    try {
                        run = buffer.poll(SLOT_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        run = null;
                    }
                }
                if (run == null) {
                    if (state != WorkerState.RUNNING) {
                        break;
                    }
                    continue;
                }
                if (!run.start(Thread.currentThread(), slot)) {
                    continue;
                }
                active.incrementAndGet();
                try {
                    process(run);
                } catch (Throwable t) {
                    unexpected(run, t);
                } finally {
                    MDC.clear();
                    TaskContextHolder.clear();
                    if (!slot.abandoned) {
                        Thread.interrupted(); // a late soft-limit or shutdown interrupt must not hit the next task
                    }
                }
            }
        } catch (Throwable t) {
            log.error("slot {} died unexpectedly", slot.name, t);
        } finally {
            slots.remove(slot);
            if (slot.abandoned) {
                int left = stuck.decrementAndGet();
                log.info("thread {} returned from a task abandoned past its hard time limit; {} thread(s) still stuck",
                        slot.name, left);
            }
        }
    }

    /**
     * A failure of the worker itself while handling a delivery (not of the task: those follow the retry
     * policy). A broker failure leaves the task leased, to be redelivered after the lease; any other error is
     * a defect that would recur on every delivery, so the task is dead-lettered at once with the error as
     * the reason (replayable once fixed) instead of looping until the poison limit.
     */
    private void unexpected(Run run, Throwable t) {
        if (t instanceof Settler.GaveUp) {
            log.warn("task {} ({}) not settled: {}; it stays leased and will be redelivered after {}", run.taskId(),
                    run.taskName(), t.getMessage(), config.lease());
            if (run.settle()) {
                cleanup(run);
            }
            return;
        }
        if (t instanceof dev.tasks.BrokerException || t instanceof VirtualMachineError) {
            log.error("error handling task {} ({}) from queue {}; it stays leased and will be redelivered after {}",
                    run.taskId(), run.taskName(), run.delivery.queue(), config.lease(), t);
            if (run.settle()) {
                cleanup(run);
            }
            return;
        }
        log.error("unexpected error handling task {} ({}) from queue {}; dead-lettering it", run.taskId(),
                run.taskName(), run.delivery.queue(), t);
        try {
            String metricTask = run.envelope == null ? WorkerMetrics.UNKNOWN_TASK : config.registry()
                    .find(run.envelope.task()).map(TaskDefinition::name).orElse(WorkerMetrics.UNKNOWN_TASK);
            deadLetter(run, metricTask, "worker_error",
                    "unexpected error in the worker: " + Failures.oneLine(String.valueOf(t)), null);
        } catch (RuntimeException e) {
            log.error("could not dead-letter task {} ({}); it stays leased and will be redelivered after {}: {}",
                    run.taskId(), run.taskName(), config.lease(), e.toString());
        }
    }

    /** Handles one delivery on the slot thread, from decoding to settling. */
    private void process(Run run) {
        Delivery d = run.delivery;
        Instant now = clock.instant();
        MDC.put("queue", d.queue());
        if (d.messageId() != null) {
            MDC.put("taskId", LogSafe.escape(d.messageId()));
        }
        Envelope env;
        try {
            env = reader.read(d.messageId(), d.payload());
        } catch (MessageDecodeException e) {
            WorkerMetrics.TaskMeters m = metrics.task(WorkerMetrics.UNKNOWN_TASK, d.queue());
            m.received.increment();
            deadLetter(run, WorkerMetrics.UNKNOWN_TASK, "malformed", Failures.oneLine(e.getMessage()), null);
            return;
        }
        run.envelope = env;
        MDC.put("taskId", LogSafe.escape(env.id()));
        MDC.put("taskName", LogSafe.escape(env.task()));
        Optional<TaskDefinition> found = config.registry().find(env.task()).filter(TaskDefinition::hasImplementation);
        String metricTask = found.map(TaskDefinition::name).orElse(WorkerMetrics.UNKNOWN_TASK);
        WorkerMetrics.TaskMeters meters = metrics.task(metricTask, d.queue());
        meters.received.increment();
        if (d.publishedAt() != null) {
            meters.recordWait(Duration.between(d.publishedAt(), now));
        }

        if (d.deliveryCount() > config.maxDeliveries()) {
            deadLetter(run, metricTask, "poison", "delivered " + d.deliveryCount() + " times (max "
                    + config.maxDeliveries() + ") without finishing: it may crash or hang its worker", null);
            return;
        }
        if (env.expires() != null && env.expires().isBefore(now)) {
            if (run.settle()) {
                try {
                    settler.ack(d);
                    meters.expired.increment();
                    log.info("task {} ({}) expired at {}; dropped without running", env.id(), env.task(), env.expires());
                    storeResult(env, TaskState.EXPIRED, null, "expired at " + env.expires());
                } finally {
                    cleanup(run);
                }
            }
            return;
        }
        if (control.settleIfRevoked(run, env)) {
            return;
        }
        if (found.isEmpty()) {
            unknownTask(run, env, now);
            return;
        }
        TaskDefinition def = found.get();
        run.definition = def;
        run.maxRetries = env.maxRetries() != null ? env.maxRetries() : def.retryPolicy().maxRetries();
        Object[] args;
        try {
            args = def.decodeArgs(env.args());
        } catch (ArgumentMismatchException e) {
            deadLetter(run, metricTask, "bad_arguments", Failures.oneLine(e.getMessage()), def);
            return;
        }
        if (!control.admit(run, env, def)) {
            return;
        }
        if (env.idempotencyKey() != null && !claimKey(run, env, def)) {
            return;
        }
        if (!def.acksLate()) {
            settler.ack(d);
            run.earlyAcked = true;
        }
        if (control.storesResult(env, def)) {
            storeResult(env, TaskState.STARTED, null, null);
        }
        control.awaitRateSlot(run);
        invoke(run, def, args, meters);
    }

    /** Claims the idempotency key; false when the delivery was settled instead (duplicate or busy). */
    private boolean claimKey(Run run, Envelope env, TaskDefinition def) {
        KeyClaims.Claimed claimed = KeyClaims.claim(broker.idempotency(), env.idempotencyKey(), config.workerId(),
                env.id(), run.delivery, config.lease());
        switch (claimed.claim()) {
            case CLAIMED:
                run.claimOwner = claimed.owner();
                run.claimedKey = env.idempotencyKey();
                return true;
            case DONE:
                if (run.settle()) {
                    try {
                        settler.ack(run.delivery);
                        log.info("task {} ({}) skipped: idempotency key '{}' already done", env.id(), env.task(),
                                env.idempotencyKey());
                    } finally {
                        cleanup(run);
                    }
                }
                return false;
            case IN_PROGRESS:
            default:
                if (run.settle()) {
                    try {
                        settler.retry(run.delivery, run.delivery.payload(), config.busyKeyRetryDelay());
                        log.info("task {} ({}) postponed by {}: idempotency key '{}' is held by another live run",
                                env.id(), env.task(), config.busyKeyRetryDelay(), env.idempotencyKey());
                    } finally {
                        cleanup(run);
                    }
                }
                return false;
        }
    }

    private void unknownTask(Run run, Envelope env, Instant now) {
        Instant since = now;
        String header = env.headers().get(UNKNOWN_SINCE_HEADER);
        if (header != null) {
            try {
                since = Instant.parse(header);
            } catch (DateTimeParseException e) {
                since = now;
            }
        }
        Duration waited = Duration.between(since, now);
        if (waited.isNegative()) {
            waited = Duration.ZERO;
        }
        int known = config.registry().definitions().size();
        if (waited.compareTo(config.unknownTaskGrace()) >= 0) {
            deadLetter(run, WorkerMetrics.UNKNOWN_TASK, "unknown_task", "unknown task '" + env.task()
                    + "': not registered in this worker (" + known + " task(s) known) for " + waited
                    + " since first seen at " + since + " (grace " + config.unknownTaskGrace()
                    + "); deploy a worker that has it, then replay this dead letter", null);
            return;
        }
        Duration left = config.unknownTaskGrace().minus(waited);
        Duration delay = config.unknownTaskRetryDelay().compareTo(left) < 0 ? config.unknownTaskRetryDelay() : left;
        Map<String, String> headers = new HashMap<>(env.headers());
        headers.put(UNKNOWN_SINCE_HEADER, since.toString());
        String payload = codec.encode(env.toBuilder().headers(headers).build());
        if (run.settle()) {
            try {
                settler.retry(run.delivery, payload, delay);
                log.warn("task {} has unknown name '{}' (not registered in this worker, {} task(s) known); offered"
                        + " again in {}, dead-lettered if still unknown {} after {}", env.id(), env.task(), known,
                        delay, config.unknownTaskGrace(), since);
            } finally {
                cleanup(run);
            }
        }
    }

    private void invoke(Run run, TaskDefinition def, Object[] args, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        TaskContextHolder.set(new RunContext(run));
        ScheduledFuture<?> soft = null;
        ScheduledFuture<?> hard = null;
        Object value = null;
        Throwable failure = null;
        boolean mine;
        long start = System.nanoTime();
        run.startedNanos = start;
        if (!run.beginInvoke()) {
            return; // given back by a cold shutdown before it started
        }
        try {
            if (def.softTimeLimit().isPresent()) {
                soft = timer.schedule(() -> softLimit(run), def.softTimeLimit().get().toNanos(), TimeUnit.NANOSECONDS);
            }
            if (def.timeLimit().isPresent()) {
                hard = timer.schedule(() -> hardLimit(run), def.timeLimit().get().toNanos(), TimeUnit.NANOSECONDS);
            }
            value = def.invoke(args);
        } catch (Throwable t) {
            failure = t;
        } finally {
            mine = run.endInvoke();
            if (soft != null) {
                soft.cancel(false);
            }
            if (hard != null) {
                hard.cancel(false);
            }
            TaskContextHolder.clear();
        }
        long elapsed = System.nanoTime() - start;
        meters.run.record(elapsed, TimeUnit.NANOSECONDS);
        if (!mine) {
            Run.AbandonReason why = run.abandonReason();
            log.warn("task {} ({}) returned after {} ms but was abandoned ({}); its outcome ({}) is ignored", env.id(),
                    env.task(), TimeUnit.NANOSECONDS.toMillis(elapsed),
                    why == Run.AbandonReason.HARD_TIME_LIMIT ? "hard time limit" : "shutdown",
                    failure == null ? "success" : Failures.summary(failure));
            return;
        }
        Thread.interrupted();
        if (run.settle()) {
            boolean handedOver = false;
            try {
                if (failure == null) {
                    handedOver = succeed(run, def, value, meters);
                } else {
                    fail(run, def, failure, meters);
                }
            } finally {
                if (!handedOver) {
                    cleanup(run);
                }
            }
        }
    }

    /**
     * Settles a successful run. Without a result to store, the ack goes to the {@link Acker} and the slot
     * moves on: the success is counted, and the run forgotten, once the broker confirmed the ack.
     *
     * @return true when the run was handed to the acker (which then cleans it up)
     */
    private boolean succeed(Run run, TaskDefinition def, Object value, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        control.beforeAck(run, value);
        if (run.claimedKey != null) {
            try {
                broker.idempotency().complete(run.claimedKey, run.claimOwner, def.idempotencyRetention());
            } catch (RuntimeException e) {
                log.warn("task {} ({}) finished but its idempotency key '{}' could not be marked done ({}); a"
                        + " duplicate may run", env.id(), env.task(), run.claimedKey, e.toString());
            }
        }
        boolean storeResult = control.storesResult(env, def);
        if (!run.earlyAcked) {
            if (!storeResult) {
                // The task no longer needs a slot or a buffer place: the next one may be fetched meanwhile.
                releasePlace(run);
                acker.submit(run.delivery, new Acker.Done() {
                    @Override
                    public void acked() {
                        try {
                            succeeded(run, meters);
                        } finally {
                            cleanup(run);
                        }
                    }

                    @Override
                    public void failed(RuntimeException e) {
                        try {
                            log.error("task {} ({}) succeeded but its acknowledgement failed; it stays leased and will"
                                    + " be redelivered after {}: {}", env.id(), env.task(), config.lease(), e.toString());
                        } finally {
                            cleanup(run);
                        }
                    }
                });
                return true;
            }
            acker.ackAndWait(run.delivery);
        }
        succeeded(run, meters);
        if (storeResult) {
            String json;
            try {
                json = codec.mapper().writeValueAsString(value);
            } catch (JsonProcessingException | RuntimeException e) {
                log.error("task {} ({}) succeeded but its result of type {} cannot be written as JSON: {}", env.id(),
                        env.task(), value == null ? "null" : value.getClass().getName(), e.toString());
                storeResult(env, TaskState.FAILURE, null, "result cannot be written as JSON: " + Failures.summary(e));
                return false;
            }
            storeResult(env, TaskState.SUCCESS, json, null);
        }
        return false;
    }

    private void succeeded(Run run, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        meters.succeeded.increment();
        if (run.leaseLost) {
            log.warn("task {} ({}) finished after its lease was lost; another worker may have run it as well",
                    env.id(), env.task());
        }
        if (log.isDebugEnabled()) {
            log.debug("task {} ({}) succeeded in {} ms", env.id(), env.task(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - run.startedNanos));
        }
    }

    private void fail(Run run, TaskDefinition def, Throwable failure, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        releaseKey(run);
        if (control.settleIfTerminated(run)) {
            return;
        }
        RetryPolicy policy = def.retryPolicy();
        boolean requested = failure instanceof RetryRequested;
        Throwable reported = requested && failure.getCause() != null ? failure.getCause() : failure;
        if (!requested) {
            meters.failed.increment();
        }
        int attempt = env.attempt();
        int maxRetries = run.maxRetries;
        boolean retryable = requested || policy.retries(failure);
        if (retryable && attempt < maxRetries) {
            Duration delay = requested ? ((RetryRequested) failure).countdown()
                    : policy.delay(attempt + 1, () -> ThreadLocalRandom.current().nextDouble());
            if (delay == null || delay.isNegative()) {
                delay = Duration.ZERO;
            }
            Instant eta = clock.instant().plus(delay);
            String payload = codec.encode(env.nextAttempt(eta));
            if (run.earlyAcked) {
                broker.publish(new OutboundMessage(env.id(), run.delivery.queue(), env.priority(), eta, payload));
            } else {
                settler.retry(run.delivery, payload, delay);
            }
            meters.retried.increment();
            log.info("task {} ({}) {} on attempt {} of {}: {}; retrying in {}", env.id(), env.task(),
                    requested ? "asked to retry" : "failed", attempt + 1, maxRetries + 1,
                    requested ? (reported == failure ? "retry requested" : Failures.summary(reported))
                            : Failures.summary(failure), delay);
            if (control.storesResult(env, def)) {
                storeResult(env, TaskState.RETRY, null, requested && reported == failure ? "retry requested"
                        : Failures.summary(reported));
            }
            return;
        }
        String why;
        String tag;
        if (!retryable) {
            why = "failed on attempt " + (attempt + 1) + " with an exception its retry policy does not retry";
            tag = "not_retryable";
        } else {
            why = "retries exhausted after " + (attempt + 1) + " attempt(s) (maxRetries " + maxRetries + ")";
            tag = "retries_exhausted";
        }
        String reason = why + ": " + (requested && reported == failure ? "retry requested" : Failures.withTrace(reported));
        if (run.earlyAcked) {
            metrics.deadLettered(def.name(), run.delivery.queue(), tag);
            log.error("task {} ({}) {}; it was acknowledged before it ran (acksLate=false), so it is not"
                    + " dead-lettered", env.id(), env.task(), reason);
        } else {
            settler.deadLetter(run.delivery, reason);
            metrics.deadLettered(def.name(), run.delivery.queue(), tag);
            log.error("task {} ({}) dead-lettered from queue {}: {}", env.id(), env.task(), run.delivery.queue(),
                    reason);
        }
        storeResult(env, TaskState.FAILURE, null, Failures.summary(reported));
    }

    private void releaseKey(Run run) {
        if (run.claimedKey == null) {
            return;
        }
        try {
            broker.idempotency().release(run.claimedKey, run.claimOwner);
        } catch (RuntimeException e) {
            log.warn("could not release idempotency key '{}' of task {} ({}); it lapses after {}", run.claimedKey,
                    run.taskId(), e.toString(), config.lease());
        }
    }

    /** Dead-letters a delivery that cannot be run (malformed, poison, unknown, bad arguments). */
    private void deadLetter(Run run, String metricTask, String tag, String reason, TaskDefinition def) {
        if (!run.settle()) {
            return;
        }
        try {
            settler.deadLetter(run.delivery, reason);
            metrics.deadLettered(metricTask, run.delivery.queue(), tag);
            log.error("task {} ({}) dead-lettered from queue {}: {}", run.taskId(), run.taskName(),
                    run.delivery.queue(), reason);
            if (run.envelope != null) {
                storeResult(run.envelope, TaskState.FAILURE, null, reason);
            }
        } finally {
            cleanup(run);
        }
    }

    private void storeResult(Envelope env, TaskState state, String value, String error) {
        try {
            settler.putResult(new StoredResult(env.id(), env.task(), state, value, error, clock.instant()),
                    config.resultTtl());
        } catch (RuntimeException e) {
            log.warn("could not store state {} of task {} ({}): {}", state, env.id(), env.task(), e.toString());
        }
        if (state.isFinal() && state != TaskState.SUCCESS) {
            control.ended(env, state, error);
        }
    }

    /** Forgets a settled delivery and frees its permit; idempotent. */
    private void cleanup(Run run) {
        if (!run.markCleaned()) {
            return;
        }
        control.release(run);
        held.remove(run.delivery.receipt(), run);
        releasePlace(run);
        Run.State s = run.state();
        if (run.thread() != null && s != Run.State.QUEUED && s != Run.State.RELEASED) {
            active.decrementAndGet();
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    private void releasePlace(Run run) {
        if (run.markPlaceReleased()) {
            places.release(1);
        }
    }

    // ---------------------------------------------------------------- time limits

    private void softLimit(Run run) {
        if (run.softLimit()) {
            log.warn("task {} ({}) passed its soft time limit of {}; its thread was interrupted", run.taskId(),
                    run.taskName(), run.definition.softTimeLimit().orElse(null));
        }
    }

    private void hardLimit(Run run) {
        if (!run.abandonInvoking()) {
            return;
        }
        Slot slot = run.slot;
        slot.abandoned = true;
        int nowStuck = stuck.incrementAndGet();
        log.error("task {} ({}) passed its hard time limit of {}; thread {} is abandoned and replaced ({} stuck"
                + " thread(s), max {})", run.taskId(), run.taskName(), run.definition.timeLimit().orElse(null),
                slot.name, nowStuck, config.maxStuckThreads());
        if (state == WorkerState.RUNNING) {
            startSlot(run);
        } else {
            Thread t = new Thread(() -> settleAbandoned(run), threadPrefix + "-reaper");
            t.setDaemon(true);
            t.start();
        }
        if (nowStuck > config.maxStuckThreads()) {
            log.error("worker {} has {} thread(s) stuck in tasks past their hard time limit (max {}): stopping so"
                    + " that its supervisor restarts the process", config.workerId(), nowStuck,
                    config.maxStuckThreads());
            selfStop();
        }
    }

    /** Settles a run abandoned past its hard limit, as a failure with {@link TimeLimitExceeded}. */
    private void settleAbandoned(Run run) {
        Envelope env = run.envelope;
        TaskDefinition def = run.definition;
        MDC.put("taskId", LogSafe.escape(env.id()));
        MDC.put("taskName", LogSafe.escape(env.task()));
        MDC.put("queue", run.delivery.queue());
        try {
            TimeLimitExceeded e = new TimeLimitExceeded("task " + env.id() + " (" + env.task()
                    + ") passed its hard time limit of " + def.timeLimit().orElse(null) + " and was abandoned");
            fail(run, def, e, metrics.task(def.name(), run.delivery.queue()));
        } catch (Throwable t) {
            log.error("could not settle task {} ({}) abandoned past its hard time limit; it will be redelivered after"
                    + " its lease runs out", env.id(), env.task(), t);
        } finally {
            cleanup(run);
            MDC.clear();
        }
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * Extends the leases of the tasks this worker holds; runs every heartbeat interval, and sooner after a
     * failure: a failed beat is tried again after {@value #FIRST_HEARTBEAT_RETRY_MILLIS} ms, then twice as late
     * each time, while that is sooner than the next regular beat (at a third of the lease, two failed beats in
     * a row would otherwise leave no margin). One beat at a time: a retry that finds a beat running skips.
     */
    private void heartbeat() {
        if (!beating.compareAndSet(false, true)) {
            return;
        }
        try {
            beat();
        } finally {
            beating.set(false);
        }
    }

    private void beat() {
        try {
            // Queued, running, and finished but not yet acknowledged (an ack held up must not let the lease run
            // out: the task would run again).
            List<Run> live = new ArrayList<>();
            for (Run r : held.values()) {
                Run.State s = r.state();
                if ((s == Run.State.QUEUED || s == Run.State.ACTIVE || s == Run.State.DONE) && !r.earlyAcked) {
                    live.add(r);
                }
            }
            if (live.isEmpty()) {
                return;
            }
            List<Delivery> deliveries = new ArrayList<>(live.size());
            for (Run r : live) {
                deliveries.add(r.delivery);
            }
            Set<String> lost = broker.extendLeases(deliveries, config.lease());
            heartbeatRetryMillis = FIRST_HEARTBEAT_RETRY_MILLIS;
            Instant now = clock.instant();
            for (Run r : live) {
                if (!lost.contains(r.delivery.receipt())) {
                    continue;
                }
                if (r.cancelQueued()) {
                    buffer.remove(r);
                    cleanup(r);
                    log.warn("lease lost for prefetched task {} from queue {} after {}s; it was not started here and"
                            + " will be redelivered", r.taskId(), r.delivery.queue(),
                            Duration.between(r.fetchedAt, now).toSeconds());
                } else if (r.state() == Run.State.ACTIVE && !r.leaseLost) {
                    r.leaseLost = true;
                    log.warn("lease lost for task {} ({}) after {}s; it may be redelivered to another worker while it"
                            + " still runs here", r.taskId(), r.taskName(), Duration.between(r.fetchedAt, now).toSeconds());
                } else if (r.state() == Run.State.DONE) {
                    // Usually its ack went through while the extension was on its way (so not worth a warning);
                    // otherwise the ack, when it comes, finds the task delivered again.
                    log.debug("lease of finished task {} ({}) not extended: acknowledged meanwhile, or lost before"
                            + " its acknowledgement went through", r.taskId(), r.taskName());
                }
            }
            for (Run r : live) {
                if (r.claimedKey != null && r.state() == Run.State.ACTIVE
                        && !broker.idempotency().renew(r.claimedKey, r.claimOwner, config.lease())) {
                    log.warn("idempotency claim on key '{}' lost for task {} ({}); a duplicate may start", r.claimedKey,
                            r.taskId(), r.taskName());
                }
            }
        } catch (Throwable t) {
            long retry = heartbeatRetryMillis;
            boolean firstInARow = retry == FIRST_HEARTBEAT_RETRY_MILLIS;
            Duration next = config.heartbeatInterval();
            if (retry < next.toMillis()) {
                try {
                    housekeeping.schedule(this::heartbeat, retry, TimeUnit.MILLISECONDS);
                    next = Duration.ofMillis(retry);
                    heartbeatRetryMillis = retry * 2;
                } catch (RejectedExecutionException stopping) {
                    // The worker stops: no more beats.
                }
            }
            if (firstInARow) {
                log.warn("lease heartbeat failed ({}); retrying in {}", t.toString(), next, t);
            } else {
                log.warn("lease heartbeat failed again ({}); retrying in {}", t.toString(), next);
            }
        }
    }

    private static ScheduledExecutorService scheduler(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, threads == 1 ? name : name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return s;
    }
}
