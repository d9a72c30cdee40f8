package dev.tasks.beat.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Fixed-interval slots aligned to the epoch ({@code 1970-01-01T00:00:00Z} + k &times; interval), so every
 * beat instance, before and after a restart, computes the same slots and therefore the same idempotency
 * keys. An interval of one hour fires on the hour (UTC), one of five minutes at :00, :05, :10...
 */
public final class IntervalTrigger implements Trigger {
    private final Duration interval;
    private final long seconds;

    /**
     * @throws IllegalArgumentException if the interval is shorter than one second or not whole seconds
     */
    public IntervalTrigger(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.getNano() != 0 || interval.getSeconds() < 1) {
            throw new IllegalArgumentException("interval must be a whole number of seconds >= 1s, was " + interval);
        }
        this.interval = interval;
        this.seconds = interval.getSeconds();
    }

    @Override
    public Optional<Instant> nextAfter(Instant instant) {
        long s = instant.getEpochSecond();
        long k = Math.floorDiv(s, seconds) + 1;
        return Optional.of(Instant.ofEpochSecond(Math.multiplyExact(k, seconds)));
    }

    /** The interval. */
    public Duration interval() {
        return interval;
    }

    /** A short human-readable description. */
    public String describe() {
        return "every " + interval;
    }
}
