package dev.tasks.spi.support;

import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.Queues;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The argument checks of the {@link dev.tasks.spi.Broker} operations, written once so that every broker
 * refuses the same misuse the same way: an {@link IllegalArgumentException} whose message names the
 * argument and, for a value out of range, the bound and the value ({@code "max must be >= 1, was 0"}).
 * A null argument is refused like any other bad value ({@code "lease must not be null"}), before the
 * broker touches its server. The broker TCK checks these messages on every broker. Thread-safe.
 */
public final class BrokerArguments {

    private BrokerArguments() {}

    /**
     * Checks the arguments of {@link dev.tasks.spi.Broker#fetch}.
     *
     * @return the queues without repeats, in the order given
     */
    public static List<String> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        noNulls(queues, "queues");
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("queues must not be empty");
        }
        queues.forEach(Queues::check);
        atLeastOne(max, "max");
        lease(lease);
        notNegative(wait, "wait");
        return List.copyOf(new LinkedHashSet<>(queues));
    }

    /** Checks a batch to publish: not null, no null element. */
    public static List<OutboundMessage> messages(List<OutboundMessage> messages) {
        return noNulls(messages, "messages");
    }

    /** Checks deliveries to acknowledge, release or extend: not null, no null element. */
    public static <C extends Collection<Delivery>> C deliveries(C deliveries) {
        return noNulls(deliveries, "deliveries");
    }

    /** Checks a lease: positive and at least a millisecond (what every server can keep). */
    public static Duration lease(Duration lease) {
        positive(lease, "lease");
        if (lease.toMillis() < 1) {
            throw new IllegalArgumentException("lease must be at least 1 ms, was " + lease);
        }
        return lease;
    }

    /** Checks the arguments of {@link dev.tasks.spi.Broker#retry}. */
    public static void retry(Delivery delivery, String newPayload, Duration delay) {
        notNull(delivery, "delivery");
        notNull(newPayload, "newPayload");
        notNegative(delay, "delay");
    }

    /** Checks the arguments of {@link dev.tasks.spi.Broker#deadLetter}. */
    public static void deadLetter(Delivery delivery, String reason) {
        notNull(delivery, "delivery");
        notNull(reason, "reason");
    }

    /** Checks a queue name and a listing limit (at least 1). */
    public static void listing(String queue, int limit) {
        Queues.check(queue);
        atLeastOne(limit, "limit");
    }

    /** Refuses null. */
    public static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** Refuses null and blank text. */
    public static String notBlank(String value, String name) {
        notNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    /** Refuses null, zero and negative durations. */
    public static Duration positive(Duration value, String name) {
        notNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    /** Refuses null and negative durations. */
    public static Duration notNegative(Duration value, String name) {
        notNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    /** Refuses numbers below 1. */
    public static int atLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, was " + value);
        }
        return value;
    }

    /** Refuses a null collection and one holding null. */
    public static <C extends Collection<?>> C noNulls(C values, String name) {
        notNull(values, name);
        for (Object v : values) {
            if (v == null) {
                throw new IllegalArgumentException(name + " must not contain null");
            }
        }
        return values;
    }
}
