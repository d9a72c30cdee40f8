package dev.tasks.memory;

import java.time.Duration;
import java.time.Instant;

/** Time arithmetic of the in-memory broker and its stores that saturates instead of overflowing. */
final class Saturating {

    private Saturating() {}

    /** {@code instant + duration}, or {@link Instant#MAX} where that would overflow. */
    static Instant plus(Instant instant, Duration duration) {
        if (Duration.between(instant, Instant.MAX).compareTo(duration) <= 0) {
            return Instant.MAX;
        }
        return instant.plus(duration);
    }

    /** {@code duration} in nanoseconds, or {@link Long#MAX_VALUE} where that would overflow. */
    static long toNanosSaturated(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
