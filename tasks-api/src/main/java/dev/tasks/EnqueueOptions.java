package dev.tasks;

import dev.tasks.spi.Queues;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-call options of an enqueue. Immutable: every method returns a new instance, so an options value
 * can be kept in a constant and shared between threads.
 *
 * <pre>{@code
 * EnqueueOptions.defaults().countdown(Duration.ofSeconds(30)).priority(7).idempotencyKey("order-42-confirm")
 * }</pre>
 */
public final class EnqueueOptions {
    private static final EnqueueOptions DEFAULTS = new EnqueueOptions(null, null, null, null, null, null, null, Map.of());

    private final Duration countdown;
    private final Instant eta;
    private final Duration expiresIn;
    private final Instant expiresAt;
    private final Integer priority;
    private final String queue;
    private final String idempotencyKey;
    private final Map<String, String> headers;

    private EnqueueOptions(Duration countdown, Instant eta, Duration expiresIn, Instant expiresAt, Integer priority,
            String queue, String idempotencyKey, Map<String, String> headers) {
        this.countdown = countdown;
        this.eta = eta;
        this.expiresIn = expiresIn;
        this.expiresAt = expiresAt;
        this.priority = priority;
        this.queue = queue;
        this.idempotencyKey = idempotencyKey;
        this.headers = headers;
    }

    /** No options: run as soon as possible, with the task's own settings. */
    public static EnqueueOptions defaults() {
        return DEFAULTS;
    }

    /** Start no earlier than {@code countdown} from now. Replaces an {@link #eta}. */
    public EnqueueOptions countdown(Duration countdown) {
        Objects.requireNonNull(countdown, "countdown");
        if (countdown.isNegative()) {
            throw new IllegalArgumentException("countdown must be >= 0, was " + countdown);
        }
        return new EnqueueOptions(countdown, null, expiresIn, expiresAt, priority, queue, idempotencyKey, headers);
    }

    /** Start no earlier than {@code eta}. Replaces a {@link #countdown}. */
    public EnqueueOptions eta(Instant eta) {
        Objects.requireNonNull(eta, "eta");
        return new EnqueueOptions(null, eta, expiresIn, expiresAt, priority, queue, idempotencyKey, headers);
    }

    /** Drop the task, unstarted, if it has not started within {@code ttl} from now. */
    public EnqueueOptions expires(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("expires must be > 0, was " + ttl);
        }
        return new EnqueueOptions(countdown, eta, ttl, null, priority, queue, idempotencyKey, headers);
    }

    /** Drop the task, unstarted, if it has not started by {@code at}. */
    public EnqueueOptions expiresAt(Instant at) {
        Objects.requireNonNull(at, "at");
        return new EnqueueOptions(countdown, eta, null, at, priority, queue, idempotencyKey, headers);
    }

    /** Priority from {@link Priority#MIN} to {@link Priority#MAX}; higher runs first. */
    public EnqueueOptions priority(int priority) {
        Priority.check(priority);
        return new EnqueueOptions(countdown, eta, expiresIn, expiresAt, priority, queue, idempotencyKey, headers);
    }

    /** Send to this queue, overriding the routing rules. */
    public EnqueueOptions queue(String queue) {
        Queues.check(queue);
        return new EnqueueOptions(countdown, eta, expiresIn, expiresAt, priority, queue, idempotencyKey, headers);
    }

    /** A key that makes repeated runs no-ops: a task with a key that already ran is acknowledged unrun. */
    public EnqueueOptions idempotencyKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank() || key.length() > 512) {
            throw new IllegalArgumentException("idempotency key must be 1 to 512 characters, was " + key.length());
        }
        return new EnqueueOptions(countdown, eta, expiresIn, expiresAt, priority, queue, key, headers);
    }

    /** Adds a header (string key and value) carried to the worker in {@link TaskContext#headers()}. */
    public EnqueueOptions header(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new EnqueueOptions(countdown, eta, expiresIn, expiresAt, priority, queue, idempotencyKey, Map.copyOf(h));
    }

    /** Options where those set in {@code other} replace these. */
    public EnqueueOptions merge(EnqueueOptions other) {
        if (other == null || other == DEFAULTS) {
            return this;
        }
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.putAll(other.headers);
        boolean otherTime = other.countdown != null || other.eta != null;
        boolean otherExpiry = other.expiresIn != null || other.expiresAt != null;
        return new EnqueueOptions(
                otherTime ? other.countdown : countdown,
                otherTime ? other.eta : eta,
                otherExpiry ? other.expiresIn : expiresIn,
                otherExpiry ? other.expiresAt : expiresAt,
                other.priority != null ? other.priority : priority,
                other.queue != null ? other.queue : queue,
                other.idempotencyKey != null ? other.idempotencyKey : idempotencyKey,
                Map.copyOf(h));
    }

    /** The countdown, if set. */
    public Optional<Duration> countdown() { return Optional.ofNullable(countdown); }

    /** The eta, if set. */
    public Optional<Instant> eta() { return Optional.ofNullable(eta); }

    /** The relative expiry, if set. */
    public Optional<Duration> expiresIn() { return Optional.ofNullable(expiresIn); }

    /** The absolute expiry, if set. */
    public Optional<Instant> expiresAt() { return Optional.ofNullable(expiresAt); }

    /** The priority, if set. */
    public Optional<Integer> priority() { return Optional.ofNullable(priority); }

    /** The queue override, if set. */
    public Optional<String> queue() { return Optional.ofNullable(queue); }

    /** The idempotency key, if set. */
    public Optional<String> idempotencyKey() { return Optional.ofNullable(idempotencyKey); }

    /** The headers (never null). */
    public Map<String, String> headers() { return headers; }

    @Override
    public String toString() {
        return "EnqueueOptions{countdown=" + countdown + ", eta=" + eta + ", expiresIn=" + expiresIn + ", expiresAt="
                + expiresAt + ", priority=" + priority + ", queue=" + queue + ", idempotencyKey=" + idempotencyKey
                + ", headers=" + headers + "}";
    }
}
