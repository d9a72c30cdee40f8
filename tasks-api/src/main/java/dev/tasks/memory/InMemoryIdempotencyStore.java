package dev.tasks.memory;

import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.support.BrokerArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Idempotency keys in a concurrent map; each operation is atomic per key. A claim that lapsed, or that
 * another owner took over, is no longer its owner's: renewing, completing or releasing it fails, and any
 * owner may claim a lapsed key again.
 */
final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** Expired entries are swept after this many writes, so abandoned keys do not pile up. */
    private static final int SWEEP_EVERY = 1024;

    private record Entry(String owner, boolean done, Instant expiresAt) {
        boolean liveAt(Instant now) {
            return expiresAt.isAfter(now);
        }

        boolean claimedBy(String who, Instant now) {
            return !done && owner.equals(who) && liveAt(now);
        }
    }

    private final Clock clock;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger writes = new AtomicInteger();

    InMemoryIdempotencyStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl) {
        return claim(key, owner, ttl, List.of());
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl, List<String> takeOver) {
        BrokerArguments.notNull(key, "key");
        BrokerArguments.notNull(takeOver, "takeOver");
        BrokerArguments.notNull(owner, "owner");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        Instant until = Saturating.plus(now, ttl);
        Claim[] outcome = new Claim[1];
        entries.compute(key, (k, e) -> {
            if (e != null && e.liveAt(now)) {
                if (e.done()) {
                    outcome[0] = Claim.DONE;
                    return e;
                }
                if (!e.owner().equals(owner) && takeOver.stream().noneMatch(e.owner()::startsWith)) {
                    outcome[0] = Claim.IN_PROGRESS;
                    return e;
                }
            }
            outcome[0] = Claim.CLAIMED;
            return new Entry(owner, false, until);
        });
        wrote(now);
        return outcome[0];
    }

    @Override
    public boolean renew(String key, String owner, Duration ttl) {
        BrokerArguments.notNull(key, "key");
        BrokerArguments.notNull(owner, "owner");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        boolean[] renewed = new boolean[1];
        entries.computeIfPresent(key, (k, e) -> {
            if (e.claimedBy(owner, now)) {
                renewed[0] = true;
                return new Entry(owner, false, Saturating.plus(now, ttl));
            }
            return e;
        });
        return renewed[0];
    }

    @Override
    public void complete(String key, String owner, Duration retention) {
        BrokerArguments.notNull(key, "key");
        BrokerArguments.notNull(owner, "owner");
        BrokerArguments.positive(retention, "retention");
        Instant now = clock.instant();
        entries.computeIfPresent(
                key, (k, e) -> e.claimedBy(owner, now) ? new Entry(owner, true, Saturating.plus(now, retention)) : e);
        wrote(now);
    }

    @Override
    public void release(String key, String owner) {
        BrokerArguments.notNull(key, "key");
        BrokerArguments.notNull(owner, "owner");
        Instant now = clock.instant();
        entries.computeIfPresent(key, (k, e) -> !e.done() && e.owner().equals(owner) ? null : e);
        wrote(now);
    }

    private void wrote(Instant now) {
        if (writes.incrementAndGet() % SWEEP_EVERY == 0) {
            // Removes by value identity, so an entry replaced meanwhile is kept.
            entries.values().removeIf(e -> !e.liveAt(now));
        }
    }
}
