package dev.tasks.redis;

import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.StateStore;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Small values as Redis strings {@code <prefix>:{coord}:state:<key>}, in the slot of the leader locks, so
 * a fenced write checks the lease and writes in one script.
 */
final class RedisStateStore implements StateStore {
    static final LuaScript PUT = LuaScript.load("state_put");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;

    RedisStateStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix;
    }

    private String stateKey(String key) {
        return prefix + ":{coord}:state:" + key;
    }

    @Override
    public Optional<String> get(String key) {
        Objects.requireNonNull(key, "key");
        return Optional.ofNullable(guard.run("reading state " + key, true, j -> j.get(stateKey(key))));
    }

    @Override
    public boolean putFenced(String key, String value, LeaderLock.LockLease lease) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(lease, "lease");
        List<String> keys = List.of(RedisLeaderLock.lockKey(prefix, lease.name()), stateKey(key));
        List<String> args = List.of(Long.toString(clock.millis()), lease.owner(), Long.toString(lease.fencingToken()), value);
        Object r = guard.run("fenced write of state " + key, true, j -> PUT.eval(j, keys, args));
        return ((Number) r).longValue() == 1;
    }
}
