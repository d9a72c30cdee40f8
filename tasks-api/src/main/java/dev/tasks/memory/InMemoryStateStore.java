package dev.tasks.memory;

import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.StateStore;
import dev.tasks.spi.support.BrokerArguments;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Values in a concurrent map; a fenced write checks its lease and writes under the lock store's monitor. */
final class InMemoryStateStore implements StateStore {

    private final InMemoryLeaderLock locks;
    private final ConcurrentMap<String, String> values = new ConcurrentHashMap<>();

    InMemoryStateStore(InMemoryLeaderLock locks) {
        this.locks = locks;
    }

    @Override
    public Optional<String> get(String key) {
        BrokerArguments.notNull(key, "key");
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public boolean putFenced(String key, String value, LeaderLock.LockLease lease) {
        BrokerArguments.notNull(key, "key");
        BrokerArguments.notNull(value, "value");
        BrokerArguments.notNull(lease, "lease");
        synchronized (locks) {
            if (!locks.isCurrent(lease, locks.clock().instant())) {
                return false;
            }
            values.put(key, value);
            return true;
        }
    }
}
