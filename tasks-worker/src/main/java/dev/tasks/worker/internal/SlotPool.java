package dev.tasks.worker.internal;

import dev.tasks.spi.runtime.TaskContextHolder;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.spi.support.VirtualThreads;
import dev.tasks.worker.PoolType;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * The worker's {@code concurrency} execution slots (platform threads named {@code <prefix>-<n>}, or virtual
 * threads), each taking runs from {@link HeldRuns} and handing them to the {@link DeliveryExecutor} until the
 * worker stops running and the buffer is empty. A slot whose task passed its hard time limit is retired: the
 * run is abandoned, a fresh slot takes its place and first settles the run as failed, and the old thread
 * exits whenever the task finally returns. Past {@code maxStuckThreads} such threads, the worker is stopped so
 * that its supervisor restarts the process. Thread-safe.
 */
final class SlotPool {

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final HeldRuns runs;
    private final DeliveryExecutor executor;
    private final Completer completer;
    private final String threadPrefix;
    /** Whether the worker is running (not stopping): slots then wait for work, else they exit once idle. */
    private final BooleanSupplier running;
    /** Stops the worker, from a thread of its own; called when too many threads are stuck. */
    private final Runnable tooManyStuck;
    private final AtomicInteger slotSeq = new AtomicInteger();
    private final AtomicInteger stuck = new AtomicInteger();
    private ExecutorService virtualExecutor;

    SlotPool(WorkerConfig config, HeldRuns runs, DeliveryExecutor executor, Completer completer, String threadPrefix,
            BooleanSupplier running, Runnable tooManyStuck) {
        this.config = config;
        this.runs = runs;
        this.executor = executor;
        this.completer = completer;
        this.threadPrefix = threadPrefix;
        this.running = running;
        this.tooManyStuck = tooManyStuck;
    }

    /**
     * Makes the virtual-thread executor when the pool is {@link PoolType#VIRTUAL}; before {@link #start}.
     *
     * @throws dev.tasks.ConfigurationException on a JVM without virtual threads
     */
    void prepare() {
        if (config.pool() == PoolType.VIRTUAL) {
            virtualExecutor = VirtualThreads.newExecutor();
        }
    }

    /** Starts {@code concurrency} slots; the worker is running by then. */
    void start() {
        for (int i = 0; i < config.concurrency(); i++) {
            startSlot(null);
        }
    }

    /** Lets the virtual threads' executor end once its threads did (stuck ones are left running). */
    void stop() {
        if (virtualExecutor != null) {
            virtualExecutor.shutdown();
        }
    }

    /** Threads still running a task abandoned past its hard time limit. */
    int stuck() {
        return stuck.get();
    }

    /**
     * The hard time limit of {@code run} passed (on the timer's thread): if its body still runs, abandons it,
     * retires its slot and starts a replacement that settles it (or, when the worker stops, a reaper thread).
     */
    void hardLimit(Run run) {
        if (!run.abandonInvoking()) {
            return;
        }
        Slot slot = run.slot;
        slot.abandoned = true;
        int nowStuck = stuck.incrementAndGet();
        log.error("task {} ({}) passed its hard time limit of {}; thread {} is abandoned and replaced ({} stuck"
                + " thread(s), max {})", run.taskId(), run.taskName(), run.definition.timeLimit().orElse(null),
                slot.name, nowStuck, config.maxStuckThreads());
        if (running.getAsBoolean()) {
            startSlot(run);
        } else {
            Thread t = new Thread(() -> completer.settleAbandoned(run), threadPrefix + "-reaper");
            t.setDaemon(true);
            t.start();
        }
        if (nowStuck > config.maxStuckThreads()) {
            log.error("worker {} has {} thread(s) stuck in tasks past their hard time limit (max {}): stopping so"
                    + " that its supervisor restarts the process", config.workerId(), nowStuck,
                    config.maxStuckThreads());
            tooManyStuck.run();
        }
    }

    private void startSlot(Run inherited) {
        int index = slotSeq.incrementAndGet();
        Slot slot = new Slot(index, threadPrefix + "-" + index, inherited);
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
                completer.settleAbandoned(slot.inherited);
            }
            while (!slot.abandoned) {
                Run run = runs.next(HeldRuns.POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (run == null) {
                    if (!running.getAsBoolean()) {
                        break;
                    }
                    continue;
                }
                if (!run.start(Thread.currentThread(), slot)) {
                    continue;
                }
                runs.started();
                try {
                    executor.execute(run);
                } catch (Throwable t) {
                    completer.unexpected(run, t);
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
            if (slot.abandoned) {
                int left = stuck.decrementAndGet();
                log.info("thread {} returned from a task abandoned past its hard time limit; {} thread(s) still stuck",
                        slot.name, left);
            }
        }
    }
}
