package dev.tasks.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One fetched message, leased to the fetching consumer until it is acknowledged, retried, released or
 * dead-lettered, or until its lease runs out and the broker redelivers it.
 *
 * @param queue the queue it was fetched from
 * @param messageId the task id the broker knows it by, or null for a foreign entry with none
 * @param payload the payload as stored (may be malformed if something else wrote it)
 * @param deliveryCount how many times it has been delivered, this delivery included (from 1)
 * @param receipt the broker's handle for this lease; pass the delivery back unchanged
 * @param publishedAt when the message became due (or was published), for queue-wait metrics; may be null
 */
public record Delivery(
        String queue, String messageId, String payload, int deliveryCount, String receipt, Instant publishedAt) {
    public Delivery {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(receipt, "receipt");
    }
}
