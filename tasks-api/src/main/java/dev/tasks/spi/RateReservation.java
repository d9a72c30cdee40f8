package dev.tasks.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer of {@link ControlStore#reserveRate}: either a run slot now held by the caller, or no slot and
 * a turn at which to ask again.
 *
 * @param reserved whether a slot was reserved for the caller
 * @param delay when {@code reserved}, the time from the call until the slot (never negative); otherwise the
 *     time from the call until the caller's turn to ask again
 */
public record RateReservation(boolean reserved, Duration delay) {

    /** Validates the fields. */
    public RateReservation {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            delay = Duration.ZERO;
        }
    }

    /** A slot held, {@code delay} from now. */
    public static RateReservation slot(Duration delay) {
        return new RateReservation(true, delay);
    }

    /** No slot; ask again in {@code delay}. */
    public static RateReservation askAgainIn(Duration delay) {
        return new RateReservation(false, delay);
    }
}
