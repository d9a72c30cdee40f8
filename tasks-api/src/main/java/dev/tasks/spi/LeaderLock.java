package dev.tasks.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Named leases with fencing tokens: at most one holder per name; a lease that is not renewed expires and
 * another owner may take it, receiving a strictly greater fencing token. Thread-safe; atomic across
 * processes.
 */
public interface LeaderLock {

    /**
     * Takes the lock if it is free or expired, or renews it if {@code owner} holds it.
     *
     * @return the lease, or empty if another owner holds it
     */
    Optional<LockLease> tryAcquire(String name, String owner, Duration ttl);

    /** Extends a held lease; false if it was lost (expired and taken, or released). */
    boolean renew(LockLease lease, Duration ttl);

    /** Releases the lease if it is still held by it; no effect otherwise. */
    void release(LockLease lease);

    /**
     * A granted lease.
     *
     * @param name the lock name
     * @param owner the owner that holds it
     * @param fencingToken increases with every new grant of this name; writes guarded by it are refused
     *     once a newer lease exists
     */
    record LockLease(String name, String owner, long fencingToken) {}
}
