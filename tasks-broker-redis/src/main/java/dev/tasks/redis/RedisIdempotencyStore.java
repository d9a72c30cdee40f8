package dev.tasks.redis;

import dev.tasks.spi.IdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Idempotency keys as Redis strings {@code <prefix>:idem:<key>} holding state, expiry (by the broker's
 * clock) and owner, changed only by Lua scripts, so one claimant wins across processes. Keys also carry a
 * Redis TTL equal to the claim or retention time, so they never pile up.
 */
final class RedisIdempotencyStore implements IdempotencyStore {
    static final LuaScript CLAIM = LuaScript.load("idem_claim");
    static final LuaScript RENEW = LuaScript.load("idem_renew");
    static final LuaScript COMPLETE = LuaScript.load("idem_complete");
    static final LuaScript RELEASE = LuaScript.load("idem_release");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;

    RedisIdempotencyStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix + ":idem:";
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl) {
        return claim(key, owner, ttl, List.of());
    }

    @Override
    public Claim claim(String key, String owner, Duration ttl, List<String> takeOver) {
        Objects.requireNonNull(takeOver, "takeOver");
        List<String> args = new ArrayList<>(timed(key, owner, ttl));
        for (String prefix : takeOver) {
            args.add(Objects.requireNonNull(prefix, "takeOver prefix"));
        }
        Object r = guard.run("idempotency claim of key " + key, true, j -> CLAIM.eval(j, List.of(prefix + key), args));
        return Claim.valueOf(String.valueOf(r));
    }

    @Override
    public boolean renew(String key, String owner, Duration ttl) {
        List<String> args = timed(key, owner, ttl);
        Object r = guard.run("idempotency renewal of key " + key, true, j -> RENEW.eval(j, List.of(prefix + key), args));
        return ((Number) r).longValue() == 1;
    }

    @Override
    public void complete(String key, String owner, Duration retention) {
        List<String> args = timed(key, owner, retention);
        guard.run("idempotency completion of key " + key, true, j -> COMPLETE.eval(j, List.of(prefix + key), args));
    }

    @Override
    public void release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        guard.run("idempotency release of key " + key, true, j -> RELEASE.eval(j, List.of(prefix + key), List.of(owner)));
    }

    private List<String> timed(String key, String owner, Duration ttl) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        long ms = positiveMillis(ttl, "ttl");
        long now = clock.millis();
        return List.of(Long.toString(now), owner, Long.toString(ms), Long.toString(now + ms));
    }

    static long positiveMillis(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
        try {
            return Math.max(1, d.toMillis());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
