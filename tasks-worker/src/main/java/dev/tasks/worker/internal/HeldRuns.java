package dev.tasks.worker.internal;

import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The deliveries a worker holds, from the fetch until they are settled or given back: every held
 * {@link Run} by receipt (what the {@link LeaseKeeper} extends), the local buffer of prefetched runs waiting
 * for a slot, the {@link Places} that bound the two, and the count of runs on a slot. A run leaves through
 * {@link #cleanup} (idempotent), which frees its place and, for a run that was on a slot, wakes a shutdown
 * waiting for the slots to empty. Thread-safe.
 */
final class HeldRuns {

    /** How long an idle slot or fetcher waits for work before it looks again whether the worker stops. */
    static final long POLL_MILLIS = 100;

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final Broker broker;
    /** Told first when a run is forgotten (its workflow and limit bookkeeping). */
    private final Consumer<Run> onForget;
    private final Places places;
    private final LinkedBlockingQueue<Run> buffer = new LinkedBlockingQueue<>();
    private final Map<String, Run> held = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final Object idle = new Object();

    HeldRuns(WorkerConfig config, Consumer<Run> onForget) {
        this.config = config;
        this.broker = config.broker();
        this.onForget = onForget;
        int capacity = config.concurrency() + config.prefetch();
        this.places = new Places(capacity, Places.defaultBatch(capacity), buffer::isEmpty);
    }

    /** The places for leased tasks; the fetcher takes them, {@link #cleanup} gives them back. */
    Places places() {
        return places;
    }

    /** Holds freshly fetched deliveries, not yet offered to the slots (see {@link #queue}). */
    List<Run> hold(List<Delivery> deliveries, Instant fetchedAt) {
        List<Run> runs = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            Run r = new Run(d, fetchedAt);
            held.put(d.receipt(), r);
            runs.add(r);
        }
        return runs;
    }

    /** Offers held runs to the slots. */
    void queue(List<Run> runs) {
        buffer.addAll(runs);
    }

    /**
     * The next queued run for a slot, waiting up to {@code timeout} when there is none; null if none came.
     * A slot that finds the buffer empty tells {@link Places}, so that a smaller fetch becomes due.
     */
    Run next(long timeout, TimeUnit unit) {
        Run run = buffer.poll();
        if (run == null) {
            places.slotStarved();
            try {
                run = buffer.poll(timeout, unit);
            } catch (InterruptedException e) {
                // A late soft-limit or shutdown interrupt meant for a task that already returned: the slot
                // looks at the worker's state and goes on, which is what it would do after an empty poll.
                run = null;
            }
        }
        return run;
    }

    /** Counts a run a slot took (see {@link #active}); {@link #cleanup} counts it out. */
    void started() {
        active.incrementAndGet();
    }

    /** Runs taken by a slot and not yet cleaned up. */
    int active() {
        return active.get();
    }

    /** A live view of every held run. */
    Collection<Run> all() {
        return held.values();
    }

    /** Takes a queued run out of the buffer if no slot took it yet; the caller then gives it back or forgets it. */
    boolean unqueue(Run run) {
        if (!run.cancelQueued()) {
            return false;
        }
        buffer.remove(run);
        return true;
    }

    /** Forgets a settled delivery and frees its place; idempotent. */
    void cleanup(Run run) {
        if (!run.markCleaned()) {
            return;
        }
        onForget.accept(run);
        held.remove(run.delivery.receipt(), run);
        releasePlace(run);
        Run.State s = run.state();
        if (run.thread() != null && s != Run.State.QUEUED && s != Run.State.RELEASED) {
            active.decrementAndGet();
            wakeIdle();
        }
    }

    /** Gives back the run's place ahead of its cleanup (once); the next task may be fetched meanwhile. */
    void releasePlace(Run run) {
        if (run.markPlaceReleased()) {
            places.release(1);
        }
    }

    /** Wakes {@link #awaitIdle}, to look again at its condition. */
    void wakeIdle() {
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    /**
     * Waits until no run is on a slot, the {@link System#nanoTime} {@code deadline} passes, {@code cold}
     * turns true (looked at on {@link #wakeIdle} and at least every {@value #POLL_MILLIS} ms), or the thread
     * is interrupted (the flag is kept).
     */
    void awaitIdle(long deadline, BooleanSupplier cold) {
        synchronized (idle) {
            while (active.get() > 0 && !cold.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(idle, Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    // ---------------------------------------------------------------- giving back

    /** Gives back every prefetched, unstarted delivery in one call; returns how many. */
    int releaseQueued() {
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
    int releaseActive() {
        List<Run> abandoned = new ArrayList<>();
        for (Run r : held.values()) {
            if (r.abandonForShutdown() || unqueue(r)) {
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

    /** Releases the runs' leases in one broker call (their tasks are redelivered at once), then forgets them. */
    void giveBack(List<Run> runs, String what) {
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
}
