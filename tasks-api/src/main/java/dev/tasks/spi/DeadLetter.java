package dev.tasks.spi;

import java.time.Instant;

/**
 * A message removed from its queue because it could not be run, kept with the reason.
 *
 * @param id the dead letter's own id (for replay)
 * @param queue the queue it came from (replay returns it there)
 * @param messageId the task id, or null if the payload had none
 * @param payload the raw payload as it was received
 * @param reason why it was dead-lettered, one line
 * @param deliveryCount deliveries it had
 * @param deadAt when it was dead-lettered
 */
public record DeadLetter(
        String id, String queue, String messageId, String payload, String reason, int deliveryCount, Instant deadAt) {}
