package dev.tasks.worker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tells whether this JVM's threads got the CPU when they asked for it during a measurement: a thread sleeps
 * 5 ms again and again and records how much later than asked it woke. On a machine with CPU to spare the
 * oversleep stays well under a millisecond; when runnable threads queue for the cores, it grows to many.
 * Used by tests of promises that hold "while the workers have CPU to spare", to tell a broken promise
 * from a starved machine.
 */
final class CpuProbe {
    private static final long NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final List<Long> oversleepNanos = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    private CpuProbe() {
        thread = new Thread(this::run, "cpu-probe");
        thread.setDaemon(true);
    }

    static CpuProbe start() {
        CpuProbe p = new CpuProbe();
        p.thread.start();
        return p;
    }

    private void run() {
        while (running) {
            long before = System.nanoTime();
            try {
                TimeUnit.NANOSECONDS.sleep(NAP_NANOS);
            } catch (InterruptedException e) {
                return;
            }
            oversleepNanos.add(Math.max(0, System.nanoTime() - before - NAP_NANOS));
        }
    }

    /** Stops the probe and returns what it saw. */
    Result stop() throws InterruptedException {
        running = false;
        thread.join(1000);
        List<Long> sorted;
        synchronized (oversleepNanos) {
            sorted = new ArrayList<>(oversleepNanos);
        }
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return new Result(0, 0, 0, 0);
        }
        long p50 = sorted.get(sorted.size() / 2);
        long p99 = sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100));
        return new Result(sorted.size(), p50 / 1e6, p99 / 1e6, sorted.get(sorted.size() - 1) / 1e6);
    }

    /** Wake-ups measured and how late they came, in milliseconds. */
    record Result(int samples, double p50Ms, double p99Ms, double maxMs) {
        /**
         * Whether threads got the CPU at once: the median wake-up under 1 ms late, the 99th percentile under
         * 10 ms, and none 30 ms late or more (a stall that long makes a run miss a 20/s slot, which allows
         * 40 ms).
         */
        boolean spare() {
            return samples > 10 && p50Ms < 1 && p99Ms < 10 && maxMs < 30;
        }

        @Override
        public String toString() {
            return String.format("%d wake-ups of a 5 ms sleep, late by %.2f ms (median), %.2f ms (99th percentile),"
                    + " %.2f ms at most", samples, p50Ms, p99Ms, maxMs);
        }
    }
}
