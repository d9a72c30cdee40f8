package dev.tasks.memory;

import java.time.Instant;
import java.util.Comparator;

/**
 * One message held by an {@link InMemoryBroker}. Mutable; every field is guarded by the broker's lock, and a
 * message is taken out of the sorted set it sits in before a field its order depends on is changed.
 */
final class StoredMessage {

    /** Pending order within one priority: due time, then sequence (publish order). */
    static final Comparator<StoredMessage> DUE_ORDER =
            Comparator.comparing((StoredMessage m) -> m.dueAt).thenComparingLong(m -> m.sequence);

    /** Lease order: the lease that runs out first, then sequence. */
    static final Comparator<StoredMessage> LEASE_ORDER =
            Comparator.comparing((StoredMessage m) -> m.leaseUntil).thenComparingLong(m -> m.sequence);

    final String queue;
    final String messageId;
    final int priority;
    String payload;
    Instant dueAt;
    /** Unique within the broker; renewed when the message is re-queued by a retry or a replay. */
    long sequence;
    int deliveryCount;
    /** The receipt of the latest delivery, or null if it has none (never fetched, released, retried). */
    String receipt;
    /** When the current lease runs out, or null while the message is pending. */
    Instant leaseUntil;

    StoredMessage(String queue, String messageId, int priority, String payload, Instant dueAt, long sequence) {
        this.queue = queue;
        this.messageId = messageId;
        this.priority = priority;
        this.payload = payload;
        this.dueAt = dueAt;
        this.sequence = sequence;
    }

    boolean isLeased() {
        return leaseUntil != null;
    }
}
