package dev.tasks.memory;

import dev.tasks.spi.ResultStore;
import dev.tasks.spi.support.BrokerArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Results in a concurrent map; an expired record is invisible at once and removed lazily. */
final class InMemoryResultStore implements ResultStore {

    /** Expired records are swept after this many writes. */
    private static final int SWEEP_EVERY = 1024;

    private record Entry(StoredResult result, Instant expiresAt) {}

    private final Clock clock;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger writes = new AtomicInteger();
    /** Monitor notified on every write, so {@link #await} wakes at once instead of polling. */
    private final Object written = new Object();

    InMemoryResultStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void put(StoredResult result, Duration ttl) {
        BrokerArguments.notNull(result, "result");
        BrokerArguments.notNull(result.taskId(), "result.taskId");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        entries.put(result.taskId(), new Entry(result, Saturating.plus(now, ttl)));
        synchronized (written) {
            written.notifyAll();
        }
        if (writes.incrementAndGet() % SWEEP_EVERY == 0) {
            entries.values().removeIf(e -> !e.expiresAt().isAfter(now));
        }
    }

    @Override
    public Optional<StoredResult> get(String taskId) {
        BrokerArguments.notNull(taskId, "taskId");
        Entry e = entries.get(taskId);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.expiresAt().isAfter(clock.instant())) {
            entries.remove(taskId, e);
            return Optional.empty();
        }
        return Optional.of(e.result());
    }

    @Override
    public Optional<StoredResult> await(String taskId, Duration timeout) {
        BrokerArguments.notNull(taskId, "taskId");
        long deadline = System.nanoTime() + Saturating.toNanosSaturated(BrokerArguments.notNegative(timeout, "timeout"));
        synchronized (written) {
            while (true) {
                Optional<StoredResult> r = get(taskId);
                long left = deadline - System.nanoTime();
                if ((r.isPresent() && r.get().state().isFinal()) || left <= 0) {
                    return r;
                }
                try {
                    // Bounded, so a record that expires by a moved clock is noticed too.
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(written, Math.min(left, 500_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new dev.tasks.TasksException("interrupted while waiting for the result of task " + taskId, e);
                }
            }
        }
    }
}
