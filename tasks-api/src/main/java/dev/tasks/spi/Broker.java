package dev.tasks.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The broker SPI: a durable store of queued, delayed, in-flight (leased) and dead messages.
 *
 * <p>Guarantees every implementation gives (checked by the contract tests in {@code tasks-api}'s
 * test-jar):
 * <ul>
 *   <li>At-least-once: a published message stays until it is acknowledged, retried (replaced), or
 *       dead-lettered. A fetched message whose lease runs out is delivered again, once per expiry.</li>
 *   <li>A leased message is never delivered to two consumers at the same time while the lease holds.</li>
 *   <li>Due messages come out by priority (higher first), then in due order.</li>
 *   <li>Every operation that takes a collection works in as few round trips as the backend allows.</li>
 *   <li>Misuse (a null, empty or out-of-range argument, an invalid queue name) is refused with an
 *       {@link IllegalArgumentException} naming the argument, before anything changes: implementations
 *       check with {@link dev.tasks.spi.support.BrokerArguments}.</li>
 * </ul>
 * Implementations are thread-safe. Failures of the backend surface as {@link dev.tasks.BrokerException}
 * with the driver's exception as cause; an operation that threw may or may not have taken effect.
 */
public interface Broker extends AutoCloseable {

    /** A loggable description (scheme, host, database; never a password). */
    String describe();

    /** Publishes messages, all or none where the backend allows; delayed ones when their time comes. */
    void publish(List<OutboundMessage> messages);

    /** Publishes one message. */
    default void publish(OutboundMessage message) {
        publish(List.of(dev.tasks.spi.support.BrokerArguments.notNull(message, "message")));
    }

    /**
     * Fetches up to {@code max} due messages from {@code queues} and leases them for {@code lease}.
     * Waits up to {@code wait} when none is due (zero: return at once). Queues are served fairly: a busy
     * queue listed first does not starve the others. Returns an empty list when the thread is
     * interrupted (with the interrupt flag set).
     */
    List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait);

    /** Acknowledges finished messages: they are removed for good. Unknown or already-acked ones are ignored. */
    void ack(Collection<Delivery> deliveries);

    /**
     * Atomically replaces a leased message by {@code newPayload} (the next attempt), due after
     * {@code delay} (zero: at once). Used for retries, nack-with-delay and unknown-task grace.
     */
    void retry(Delivery delivery, String newPayload, Duration delay);

    /**
     * Gives leased messages back at once, as they were, without waiting for the lease to run out
     * (prefetched tasks on warm shutdown; everything on cold shutdown).
     */
    void release(Collection<Delivery> deliveries);

    /**
     * Extends the leases of running messages to {@code lease} from now.
     *
     * @return the receipts whose lease was already lost (expired and redelivered, or acked); the caller
     *     must assume another consumer may run them
     */
    Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease);

    /** Moves a leased message to the dead letters of its queue, with a one-line reason. */
    void deadLetter(Delivery delivery, String reason);

    /** Up to {@code limit} dead letters of a queue, oldest first. */
    List<DeadLetter> deadLetters(String queue, int limit);

    /**
     * Puts dead letters back on their queue, due at once, and removes them from the dead letters.
     *
     * @param ids dead-letter ids; empty means all of the queue's dead letters
     * @return how many were replayed
     */
    int replayDeadLetters(String queue, Collection<String> ids);

    /** Deletes a queue's dead letters; returns how many. */
    long purgeDeadLetters(String queue);

    /** Counts for one queue. */
    QueueStats stats(String queue);

    /** The queues that hold or held messages (for {@code inspect}). */
    Set<String> queues();

    /**
     * Up to {@code limit} of the queue's delayed messages (published with a countdown or eta, or retried
     * with a backoff, and not due yet), the soonest due first; messages due at the same time in the order
     * they were delayed where the backend keeps it. Read-only and not a consistent snapshot of the queue:
     * a message may fall due while it is read. For operators ({@code tasks} dashboard), not for workers.
     *
     * @throws IllegalArgumentException when {@code limit} is below 1 or the queue name is invalid
     * @throws UnsupportedOperationException when this broker cannot list its delayed messages (the default)
     */
    default List<DelayedMessage> delayed(String queue, int limit) {
        throw new UnsupportedOperationException("broker " + describe() + " cannot list its delayed messages");
    }

    /** Deletes a queue's ready and delayed messages (not in-flight ones); returns how many. */
    long purge(String queue);

    /** Idempotency keys, on the same backend. */
    IdempotencyStore idempotency();

    /** Leader locks (for beat), on the same backend. */
    LeaderLock leaderLock();

    /** Small durable values (beat's last fired slots), with fenced writes. */
    StateStore state();

    /** Task states and results. */
    ResultStore results();

    /**
     * Chord counters, revocations, rate limits and concurrency slots, on the same backend.
     *
     * @throws UnsupportedOperationException when this broker does not implement them (the default); the
     *     worker then runs without revocation checks and rejects workflows and limits with a clear error
     */
    default ControlStore control() {
        throw new UnsupportedOperationException("broker " + describe() + " does not support workflows, revocations,"
                + " rate limits or concurrency limits");
    }

    /**
     * The storage layout of this broker and the workers' announcements of theirs, used by workers to refuse
     * running beside incompatible versions. Empty (the default) for brokers that keep no announcements.
     */
    default java.util.Optional<WorkerLayouts> layouts() {
        return java.util.Optional.empty();
    }

    /**
     * The records of the workers that use this broker ({@code tasks workers}), or empty when the broker keeps
     * none. Default: empty.
     */
    default java.util.Optional<WorkerDirectory> workers() {
        return java.util.Optional.empty();
    }

    /** Releases connections and threads. Safe to call twice. */
    @Override
    void close();
}
