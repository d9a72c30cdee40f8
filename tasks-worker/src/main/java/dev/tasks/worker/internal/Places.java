package dev.tasks.worker.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The worker's places for leased tasks (running or waiting for a slot), and the rule for when its single
 * fetcher asks the broker for more. A fetch claims every free place at once, so the question is only when:
 * <ul>
 *   <li>as soon as {@code batch} places are free, so that a busy worker fetches in batches of that size
 *       while the tasks still buffered keep its slots busy during the round trip;</li>
 *   <li>or sooner, with whatever is free, when the slots have run out of buffered work (the {@code starved}
 *       condition), so that a fetch-bound worker never waits for a batch to fill;</li>
 *   <li>or sooner, when the last fetch found fewer tasks than it asked for: the queues are (nearly) empty,
 *       so batches cannot form and each arrival is fetched as soon as there is room for it.</li>
 * </ul>
 * Fetching as soon as one place frees would make most fetches claim one to three tasks, and waking the
 * fetcher on every finished task costs a thread hand-off per task; here the fetcher is woken once per batch,
 * or when a slot finds nothing to do.
 *
 * <p>Only the fetcher takes places ({@link #awaitBatch}); any thread gives them back ({@link #release}).
 */
final class Places {

    private final int batch;
    private final AtomicInteger free;
    private final BooleanSupplier starved;
    private volatile Thread fetcher;
    private volatile boolean drained;

    /**
     * @param capacity the most tasks held at once (concurrency plus prefetch)
     * @param batch    how many free places make a fetch worth it while slots still have work (1..capacity)
     * @param starved  true when the slots have no buffered task to take
     */
    Places(int capacity, int batch, BooleanSupplier starved) {
        if (capacity < 1 || batch < 1 || batch > capacity) {
            throw new IllegalArgumentException("capacity " + capacity + ", batch " + batch);
        }
        this.batch = batch;
        this.free = new AtomicInteger(capacity);
        this.starved = starved;
    }

    /** The batch size for a worker: half its places, so that the other half covers a fetch's round trip. */
    static int defaultBatch(int capacity) {
        return Math.max(1, capacity / 2);
    }

    /** Free places now (for diagnostics and tests). */
    int free() {
        return free.get();
    }

    /**
     * Waits until a fetch is due, then takes every free place.
     *
     * @return the number of places taken, or 0 if none became due within the timeout
     */
    int awaitBatch(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        fetcher = Thread.currentThread();
        try {
            while (true) {
                int f = free.get();
                if (f >= batch || (f > 0 && (drained || starved.getAsBoolean()))) {
                    return free.getAndSet(0);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            fetcher = null;
        }
    }

    /**
     * After a fetch that took {@code asked} places and got {@code got} tasks: gives back the places it did
     * not use, and records whether it found fewer tasks than it asked for. Fetcher only.
     */
    void fetched(int asked, int got) {
        drained = got < asked;
        release(asked - got);
    }

    /** Gives back {@code n} places; wakes the fetcher when this completes a batch. */
    void release(int n) {
        if (n <= 0) {
            return;
        }
        int now = free.addAndGet(n);
        if (now >= batch && now - n < batch) {
            wake();
        }
    }

    /** Called by a slot that found no buffered task: a fetch with fewer than a batch of places is now due. */
    void slotStarved() {
        if (free.get() > 0) {
            wake();
        }
    }

    private void wake() {
        Thread t = fetcher;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
