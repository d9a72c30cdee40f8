package dev.tasks;

/** How retry delays grow from one attempt to the next. */
public enum Backoff {
    /** Every retry waits the base delay. */
    FIXED,
    /** Retry {@code n} (from 1) waits {@code base * 2^(n-1)}, capped. */
    EXPONENTIAL
}
