package dev.tasks.spi;

import dev.tasks.Priority;
import java.time.Instant;
import java.util.Objects;

/**
 * A message to publish: what the broker needs to store and order it, plus the opaque payload.
 *
 * @param id the task id (unique per task; a broker may use it to recognise duplicates but need not)
 * @param queue the queue name
 * @param priority {@link Priority#MIN} to {@link Priority#MAX}; higher is fetched first among due messages
 * @param notBefore earliest delivery, or null for "now" (countdown, eta, retry backoff)
 * @param payload the encoded envelope (JSON text); brokers store it unchanged
 */
public record OutboundMessage(String id, String queue, int priority, Instant notBefore, String payload) {
    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Queues.check(queue);
        Priority.check(priority);
        Objects.requireNonNull(payload, "payload");
    }
}
