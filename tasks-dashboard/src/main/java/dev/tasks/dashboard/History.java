package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;

/**
 * Samples every queue's counts (and the {@link Throughput} totals, when there are some) at a fixed interval
 * and keeps the last {@code capacity} samples for the overview's charts. Each sample carries the time it
 * was taken, which the pages show beside its numbers. Thread-safe: one sampling thread writes, request
 * threads read immutable snapshots.
 */
final class History {
    private static final Logger log = LogSafe.logger(History.class);

    private final Broker broker;
    private final Throughput throughput;
    private final Clock clock;
    private final int capacity;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    History(Broker broker, Throughput throughput, Clock clock, int capacity) {
        this.broker = broker;
        this.throughput = throughput;
        this.clock = clock;
        this.capacity = capacity;
    }

    /**
     * One sample.
     *
     * @param at when it was taken
     * @param queues counts per queue, by name
     * @param processed the throughput total of processed tasks, or -1 without a {@link Throughput}
     * @param failed the throughput total of failed tasks, or -1 without a {@link Throughput}
     */
    record Sample(Instant at, Map<String, QueueStats> queues, long processed, long failed) {}

    /** Takes a sample now; a broker failure is logged and remembered for the page, never thrown. */
    Sample sample() {
        try {
            Map<String, QueueStats> stats = new TreeMap<>();
            for (String q : new TreeSet<>(broker.queues())) {
                stats.put(q, broker.stats(q));
            }
            long processed = throughput == null ? -1 : throughput.processed();
            long failed = throughput == null ? -1 : throughput.failed();
            Sample s = new Sample(clock.instant(), Collections.unmodifiableMap(stats), processed, failed);
            synchronized (samples) {
                samples.addLast(s);
                while (samples.size() > capacity) {
                    samples.removeFirst();
                }
            }
            lastError = null;
            return s;
        } catch (RuntimeException e) {
            if (lastError == null) {
                log.warn("dashboard could not read the broker's counts ({}); showing the last ones until it can",
                        e.toString());
            }
            lastError = e.toString();
            lastErrorAt = clock.instant();
            return null;
        }
    }

    /** The samples kept, oldest first. */
    List<Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    /** The newest sample, taking one if there is none yet (null when the broker cannot be read). */
    Sample latest() {
        synchronized (samples) {
            if (!samples.isEmpty()) {
                return samples.peekLast();
            }
        }
        return sample();
    }

    /** The last sampling failure, or null when the last sample succeeded. */
    String lastError() {
        return lastError;
    }

    /** When the last sampling failure happened, or null. */
    Instant lastErrorAt() {
        return lastErrorAt;
    }
}
