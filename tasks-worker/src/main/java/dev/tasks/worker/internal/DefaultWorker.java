package dev.tasks.worker.internal;

import dev.tasks.TaskDefinition;
import dev.tasks.spi.Broker;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Termination;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import dev.tasks.worker.WorkerState;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * The worker runtime behind {@link Worker}: its life cycle and shutdown. The work is done by parts with one
 * job each, all on threads named after the queues:
 * <ul>
 *   <li>a {@link Fetcher} that leases batches of deliveries while places allow ({@code concurrency + prefetch};
 *       see {@link Places} for when it fetches) into the {@link HeldRuns};</li>
 *   <li>a {@link SlotPool} of {@code concurrency} slots (platform or virtual threads) that take deliveries from
 *       the local buffer and run each through the {@link DeliveryExecutor} (checks, admission, idempotency,
 *       the task body with its time limits, fired by a timer thread);</li>
 *   <li>a {@link Completer} that settles outcomes (acks through its {@link Acker}, which acknowledges
 *       finished tasks in batches so that slots do not wait for it; retries; dead letters; results);</li>
 *   <li>a housekeeping pair of threads: the {@link LeaseKeeper}'s heartbeat, the queue-depth poller and the
 *       other periodic checks.</li>
 * </ul>
 * Every delivery is a {@link Run} whose state changes under its own lock, so it is settled exactly once.
 *
 * <p>Shutdown order ({@link #stop}): stop fetching and wait for the fetcher; give back what was prefetched;
 * wait up to the grace period for running tasks; give back those still running; wait (bounded) for pending
 * acks; stop the periodic work; withdraw from the broker's worker directory; stop the timers.
 */
public final class DefaultWorker implements Worker {

    /** Header holding the first time a worker met a task name it did not know (ISO-8601 instant). */
    public static final String UNKNOWN_SINCE_HEADER = "tasks-unknown-since";

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final WorkerMetrics metrics;
    private final String threadPrefix;
    private final Settler settler;
    private final Control control;
    private final LayoutGuard layoutGuard;
    private final Presence presence;
    private final QueueDepths queueDepths;
    private final HeldRuns runs;
    private final Fetcher fetcher;
    private final Completer completer;
    private final DeliveryExecutor executor;
    private final SlotPool slots;
    private final LeaseKeeper leases;
    private final HookRunner hooks;

    private final Object lifecycle = new Object();
    private volatile WorkerState state = WorkerState.NEW;
    private volatile Termination termination;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean coldRequested;

    private ScheduledExecutorService timer;
    private ScheduledExecutorService housekeeping;

    /** A worker for {@code config} (see {@link Worker#builder}); no thread starts before {@link #start}. */
    public DefaultWorker(WorkerConfig config) {
        this.config = config;
        Broker broker = config.broker();
        this.metrics = new WorkerMetrics(config.meterRegistry());
        String queues = String.join("+", config.queues());
        this.threadPrefix = "tasks-worker-" + (queues.length() > 40 ? queues.substring(0, 40) : queues);
        this.settler = new Settler(broker);
        this.hooks = new HookRunner(config.hooks(), kind -> Counter.builder("tasks.hook.failures")
                .description("exceptions thrown by hooks (listeners, interceptors' after), ignored")
                .tag("kind", kind).register(config.meterRegistry()).increment());
        this.runs = new HeldRuns(config, this::forget);
        this.control = new Control(config, runs::cleanup, settler, hooks);
        this.layoutGuard = new LayoutGuard(config);
        this.presence = new Presence(config, runs::active);
        this.queueDepths = new QueueDepths(broker, metrics, config);
        this.completer = new Completer(config, metrics, settler, control, runs, hooks,
                threadPrefix + "-acker");
        this.executor = new DeliveryExecutor(config, metrics, settler, control, completer, runs, hooks,
                this::hardLimitPassed);
        this.slots = new SlotPool(config, runs, executor, completer, threadPrefix,
                () -> state == WorkerState.RUNNING, this::selfStop);
        this.fetcher = new Fetcher(config, runs, control);
        this.leases = new LeaseKeeper(config, runs);
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
            metrics.registerGauges(runs::active, slots::stuck);
            slots.prepare();
            timer = scheduler(1, threadPrefix + "-timer");
            housekeeping = scheduler(2, threadPrefix + "-housekeeping");
            executor.start(timer);
            state = WorkerState.RUNNING;
            slots.start();
            completer.start();
            fetcher.start(threadPrefix + "-fetcher");
            leases.start(housekeeping);
            long beat = config.heartbeatInterval().toNanos();
            housekeeping.scheduleWithFixedDelay(control::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            housekeeping.scheduleWithFixedDelay(layoutGuard::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            presence.start();
            housekeeping.scheduleWithFixedDelay(presence::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
            long statsEvery = config.statsInterval().toNanos();
            housekeeping.scheduleWithFixedDelay(queueDepths::poll, 0, statsEvery, TimeUnit.NANOSECONDS);
            log.info("worker started: {}", config.describe());
            hooks.workerStarted(config.workerId());
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
        runs.wakeIdle();
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
        return runs.active();
    }

    @Override
    public int stuckThreads() {
        return slots.stuck();
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
                fetcher.stop();
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
                + " running task(s)", config.workerId(), grace, runs.active());
        fetcher.join();
        int prefetched = runs.releaseQueued();
        long deadline = System.nanoTime() + grace.toNanos();
        settler.stopBy(coldRequested ? System.nanoTime() : deadline);
        runs.awaitIdle(deadline, () -> coldRequested);
        int cold = runs.releaseActive();
        prefetched += runs.releaseQueued();
        completer.flushAcks();
        stopHousekeeping();
        layoutGuard.withdraw();
        presence.withdraw();
        timer.shutdownNow();
        slots.stop();
        queueDepths.close();
        metrics.close();
        log.info("worker {} stopped in {} ms: {} prefetched task(s) given back at once, {} running task(s) given back"
                + " after the grace period{}", config.workerId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                prefetched, cold, slots.stuck() > 0 ? ", " + slots.stuck() + " thread(s) still stuck in abandoned tasks" : "");
        hooks.workerStopped(config.workerId());
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

    /** A run leaves the worker: {@link Control} forgets it and gives back its concurrency slot. */
    private void forget(Run run) {
        control.release(run);
    }

    /** A run passed its hard time limit (timer thread): its slot is retired and replaced. */
    private void hardLimitPassed(Run run) {
        slots.hardLimit(run);
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
