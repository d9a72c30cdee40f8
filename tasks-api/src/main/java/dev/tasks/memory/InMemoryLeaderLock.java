package dev.tasks.memory;

import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.support.BrokerArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Leader locks with fencing tokens that increase per name for the life of the broker (a released or
 * expired name hands out a greater token next time). A lease that ran out is lost even if nobody took
 * the lock yet: renewing it fails, and its owner must acquire again (getting a new token). All methods
 * synchronize on this object, which {@link InMemoryStateStore} shares for its fenced writes.
 */
final class InMemoryLeaderLock implements LeaderLock {

    private record Holder(String owner, long token, Instant expiresAt) {}

    private final Clock clock;
    private final Map<String, Holder> holders = new HashMap<>();
    private final Map<String, Long> lastTokens = new HashMap<>();

    InMemoryLeaderLock(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Optional<LockLease> tryAcquire(String name, String owner, Duration ttl) {
        BrokerArguments.notNull(name, "name");
        BrokerArguments.notNull(owner, "owner");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        Holder h = holders.get(name);
        if (h != null && h.expiresAt().isAfter(now)) {
            if (!h.owner().equals(owner)) {
                return Optional.empty();
            }
            holders.put(name, new Holder(owner, h.token(), Saturating.plus(now, ttl)));
            return Optional.of(new LockLease(name, owner, h.token()));
        }
        long token = lastTokens.merge(name, 1L, Long::sum);
        holders.put(name, new Holder(owner, token, Saturating.plus(now, ttl)));
        return Optional.of(new LockLease(name, owner, token));
    }

    @Override
    public synchronized boolean renew(LockLease lease, Duration ttl) {
        BrokerArguments.notNull(lease, "lease");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        if (!isCurrent(lease, now)) {
            return false;
        }
        holders.put(lease.name(), new Holder(lease.owner(), lease.fencingToken(), Saturating.plus(now, ttl)));
        return true;
    }

    @Override
    public synchronized void release(LockLease lease) {
        BrokerArguments.notNull(lease, "lease");
        Holder h = holders.get(lease.name());
        if (h != null && h.token() == lease.fencingToken() && h.owner().equals(lease.owner())) {
            holders.remove(lease.name());
        }
    }

    /** Whether {@code lease} holds its lock at {@code now}; callers synchronize on this object. */
    boolean isCurrent(LockLease lease, Instant now) {
        Holder h = holders.get(lease.name());
        return h != null
                && h.token() == lease.fencingToken()
                && h.owner().equals(lease.owner())
                && h.expiresAt().isAfter(now);
    }

    Clock clock() {
        return clock;
    }
}
