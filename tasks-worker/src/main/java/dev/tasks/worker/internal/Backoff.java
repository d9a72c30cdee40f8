package dev.tasks.worker.internal;

/**
 * The pause between attempts of a broker operation that failed with a transient error and is sent again
 * (an acknowledgement, a retry, a dead letter, a stored result): {@value #FIRST_MILLIS} ms, doubling up to
 * {@value #MAX_MILLIS} ms. Short enough that a task settles within a second of the broker coming back, long
 * enough that a broker that is down is not flooded. Not thread-safe: one per retrying loop.
 */
final class Backoff {

    static final long FIRST_MILLIS = 50;
    static final long MAX_MILLIS = 1000;

    private long nextMillis = FIRST_MILLIS;
    private int failures;

    /** Counts a failed attempt and returns the pause before the next one, in milliseconds. */
    long failed() {
        failures++;
        long pause = nextMillis;
        nextMillis = Math.min(nextMillis * 2, MAX_MILLIS);
        return pause;
    }

    /** The pause {@link #failed} will return next, in milliseconds. */
    long nextPause() {
        return nextMillis;
    }

    /** Failed attempts since the last {@link #reset}. */
    int failures() {
        return failures;
    }

    /** Starts over after an attempt went through. */
    void reset() {
        nextMillis = FIRST_MILLIS;
        failures = 0;
    }
}
