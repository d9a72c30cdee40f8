package dev.tasks.redis;

import dev.tasks.spi.LeaderLock;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Leader locks as Redis strings {@code <prefix>:{coord}:lock:<name>} holding token, expiry (by the
 * broker's clock) and owner; the fencing token comes from the counter {@code <prefix>:{coord}:fence:<name>}
 * ({@code INCR}), which is never deleted, so tokens only grow. Lock, counter and fenced state share the
 * hash tag {@code {coord}}: one slot, so {@link RedisStateStore#putFenced} checks and writes atomically.
 */
final class RedisLeaderLock implements LeaderLock {
    static final LuaScript ACQUIRE = LuaScript.load("lock_acquire");
    static final LuaScript RENEW = LuaScript.load("lock_renew");
    static final LuaScript RELEASE = LuaScript.load("lock_release");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;

    RedisLeaderLock(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix;
    }

    static String lockKey(String prefix, String name) {
        return prefix + ":{coord}:lock:" + name;
    }

    @Override
    public Optional<LockLease> tryAcquire(String name, String owner, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        long ms = RedisIdempotencyStore.positiveMillis(ttl, "ttl");
        long now = clock.millis();
        List<String> keys = List.of(lockKey(prefix, name), prefix + ":{coord}:fence:" + name);
        List<String> args = List.of(Long.toString(now), owner, Long.toString(now + ms));
        Object r = guard.run("acquiring leader lock " + name, true, j -> ACQUIRE.eval(j, keys, args));
        return r == null ? Optional.empty() : Optional.of(new LockLease(name, owner, ((Number) r).longValue()));
    }

    @Override
    public boolean renew(LockLease lease, Duration ttl) {
        Objects.requireNonNull(lease, "lease");
        long ms = RedisIdempotencyStore.positiveMillis(ttl, "ttl");
        long now = clock.millis();
        List<String> args = List.of(Long.toString(now), lease.owner(), Long.toString(lease.fencingToken()),
                Long.toString(now + ms));
        Object r = guard.run("renewing leader lock " + lease.name(), true,
                j -> RENEW.eval(j, List.of(lockKey(prefix, lease.name())), args));
        return ((Number) r).longValue() == 1;
    }

    @Override
    public void release(LockLease lease) {
        Objects.requireNonNull(lease, "lease");
        List<String> args = List.of(lease.owner(), Long.toString(lease.fencingToken()));
        guard.run("releasing leader lock " + lease.name(), true,
                j -> RELEASE.eval(j, List.of(lockKey(prefix, lease.name())), args));
    }
}
