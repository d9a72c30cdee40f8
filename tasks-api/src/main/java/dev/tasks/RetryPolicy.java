package dev.tasks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * When and after how long a failed task is retried. Immutable and thread-safe.
 *
 * @param maxRetries retries allowed after the first run (0: none)
 * @param backoff how delays grow
 * @param base the delay before the first retry
 * @param max the largest delay
 * @param jitter whether delays are randomised between half and all of the computed value
 * @param retryOn exception types that are retried (subclasses included)
 * @param dontRetryOn exception types never retried; they win over {@code retryOn}
 */
public record RetryPolicy(
        int maxRetries,
        Backoff backoff,
        Duration base,
        Duration max,
        boolean jitter,
        List<Class<? extends Throwable>> retryOn,
        List<Class<? extends Throwable>> dontRetryOn) {

    /** Retries by default: 3. */
    public static final int DEFAULT_MAX_RETRIES = 3;

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
        Objects.requireNonNull(backoff, "backoff");
        if (base == null || base.isNegative()) {
            throw new IllegalArgumentException("retry backoff must be >= 0, was " + base);
        }
        if (max == null || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("retry backoff max must be >= the base " + base + ", was " + max);
        }
        retryOn = List.copyOf(retryOn);
        dontRetryOn = List.copyOf(dontRetryOn);
    }

    /** Whether {@code failure} is of a type this policy retries (attempts left are not considered). */
    public boolean retries(Throwable failure) {
        for (Class<? extends Throwable> c : dontRetryOn) {
            if (c.isInstance(failure)) {
                return false;
            }
        }
        for (Class<? extends Throwable> c : retryOn) {
            if (c.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The delay before retry number {@code retry} (1 for the first retry).
     *
     * @param random a source of uniform values in [0, 1) used for jitter
     */
    public Duration delay(int retry, DoubleSupplier random) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry number must be >= 1, was " + retry);
        }
        long baseNanos = base.toNanos();
        long maxNanos = max.toNanos();
        long nanos;
        if (backoff == Backoff.FIXED) {
            nanos = baseNanos;
        } else {
            int shift = Math.min(retry - 1, 62);
            nanos = baseNanos > (maxNanos >> shift) ? maxNanos : baseNanos << shift;
        }
        nanos = Math.min(nanos, maxNanos);
        if (jitter && nanos > 0) {
            nanos = nanos / 2 + (long) (random.getAsDouble() * (nanos - nanos / 2));
        }
        return Duration.ofNanos(nanos);
    }
}
