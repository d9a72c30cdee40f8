package dev.tasks.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

/** Argument checks shared by the in-memory broker and its stores; each names the parameter and the bound. */
final class Checks {

    private Checks() {}

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    static String notBlank(String value, String name) {
        notNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static Duration positive(Duration value, String name) {
        notNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    static Duration notNegative(Duration value, String name) {
        notNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    static int atLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, was " + value);
        }
        return value;
    }

    static <C extends Collection<?>> C noNulls(C values, String name) {
        notNull(values, name);
        for (Object v : values) {
            if (v == null) {
                throw new IllegalArgumentException(name + " must not contain null");
            }
        }
        return values;
    }

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
