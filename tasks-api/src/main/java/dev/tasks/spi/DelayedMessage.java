package dev.tasks.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A message waiting for its due time (a countdown, an eta, a retry's backoff), as
 * {@link Broker#delayed(String, int)} lists it for operators. A snapshot: by the time it is read the message
 * may have fallen due, been fetched or been purged.
 *
 * @param id the task id the message was published with
 * @param queue the queue it waits in
 * @param priority its priority ({@link dev.tasks.Priority#MIN} to {@link dev.tasks.Priority#MAX})
 * @param dueAt when it becomes ready (to the millisecond the broker keeps)
 * @param payload the raw payload as published or as last retried (an envelope, unless someone published
 *     something else)
 */
public record DelayedMessage(String id, String queue, int priority, Instant dueAt, String payload) {
    public DelayedMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(payload, "payload");
    }
}
