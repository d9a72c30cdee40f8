package dev.tasks.memory;

import dev.tasks.spi.ResultStore;
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

    InMemoryResultStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void put(StoredResult result, Duration ttl) {
        Checks.notNull(result, "result");
        Checks.notNull(result.taskId(), "result.taskId");
        Checks.positive(ttl, "ttl");
        Instant now = clock.instant();
        entries.put(result.taskId(), new Entry(result, Checks.plus(now, ttl)));
        if (writes.incrementAndGet() % SWEEP_EVERY == 0) {
            entries.values().removeIf(e -> !e.expiresAt().isAfter(now));
        }
    }

    @Override
    public Optional<StoredResult> get(String taskId) {
        Checks.notNull(taskId, "taskId");
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
}
