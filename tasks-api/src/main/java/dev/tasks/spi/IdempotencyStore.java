package dev.tasks.spi;

import java.time.Duration;

/**
 * Idempotency keys: at most one claimant runs a key at a time, and a key marked done is never run again
 * within its retention. Thread-safe; atomic on the backend, across processes.
 */
public interface IdempotencyStore {

    /** The outcome of {@link #claim}. */
    enum Claim {
        /** The caller holds the key now and should run the task. */
        CLAIMED,
        /** Another live run holds the key; do not run. */
        IN_PROGRESS,
        /** A run with this key already finished; acknowledge without running. */
        DONE
    }

    /**
     * Claims {@code key} for {@code owner} for {@code ttl} (after which an unfinished claim lapses, so a
     * crashed claimant does not block the key forever). A claim by the current owner renews it.
     */
    Claim claim(String key, String owner, Duration ttl);

    /** Extends the owner's claim; false if the owner no longer holds it. */
    boolean renew(String key, String owner, Duration ttl);

    /** Marks the key done for {@code retention}; only the owner's claim is converted. */
    void complete(String key, String owner, Duration retention);

    /** Gives up the owner's claim (the run failed and may be retried); no effect for others. */
    void release(String key, String owner);
}
