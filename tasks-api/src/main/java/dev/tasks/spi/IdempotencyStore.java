package dev.tasks.spi;

import java.time.Duration;
import java.util.List;

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

    /**
     * Claims {@code key} like {@link #claim(String, String, Duration)}, and also takes over a claim that is
     * still running but whose owner starts with one of {@code takeOver}: owners the caller knows are no
     * longer live. The worker passes the runs of the earlier deliveries of the message it is about to run: a
     * broker delivers a message again only after the earlier delivery's lease ran out, so those runs died or
     * lost their lease, and waiting for their claims to lapse would only delay the redelivery. A key marked
     * done stays done, whoever marked it; a claim by any other owner still answers {@link Claim#IN_PROGRESS}.
     *
     * <p>The default ignores {@code takeOver} (the claim of a dead run then blocks the key until its ttl
     * passes); the stores of this project override it.
     *
     * @param takeOver owner prefixes whose claims may be taken over; may be empty
     */
    default Claim claim(String key, String owner, Duration ttl, List<String> takeOver) {
        return claim(key, owner, ttl);
    }

    /** Extends the owner's claim; false if the owner no longer holds it. */
    boolean renew(String key, String owner, Duration ttl);

    /** Marks the key done for {@code retention}; only the owner's claim is converted. */
    void complete(String key, String owner, Duration retention);

    /** Gives up the owner's claim (the run failed and may be retried); no effect for others. */
    void release(String key, String owner);
}
