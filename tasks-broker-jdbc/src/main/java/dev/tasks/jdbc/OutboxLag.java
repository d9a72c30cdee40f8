package dev.tasks.jdbc;

import java.time.Duration;

/**
 * How far an outbox relay is behind.
 *
 * @param rows rows waiting in the outbox
 * @param oldestAge age of the oldest waiting row ({@link Duration#ZERO} when the outbox is empty)
 */
public record OutboxLag(long rows, Duration oldestAge) {}
