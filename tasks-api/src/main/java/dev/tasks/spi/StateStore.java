package dev.tasks.spi;

import java.util.Optional;

/** Small durable string values by key, with writes fenced by a {@link LeaderLock} lease. Thread-safe. */
public interface StateStore {

    /** The value of {@code key}, if any. */
    Optional<String> get(String key);

    /**
     * Writes {@code value} only if {@code lease} is still the current holder of its lock (same fencing
     * token, not expired), atomically with that check.
     *
     * @return false (and nothing written) if the lease was lost
     */
    boolean putFenced(String key, String value, LeaderLock.LockLease lease);
}
