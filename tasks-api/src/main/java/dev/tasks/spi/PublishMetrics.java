package dev.tasks.spi;

/**
 * What the producer ({@link dev.tasks.Tasks}) reports about publishing, one call per message. Set with
 * {@link dev.tasks.Tasks.Builder#metrics}; the default, {@link #NONE}, records nothing. A Micrometer
 * implementation is {@link dev.tasks.micrometer.MicrometerPublishMetrics} (it needs {@code micrometer-core} on
 * the class path; {@code tasks-api} itself does not depend on it).
 *
 * <p>Implementations must be thread-safe, cheap and must not throw: they are called on the caller's thread,
 * inside {@code delay}/{@code send}, and in after-commit callbacks. Task names and queues are the ones the
 * message carries; a rejected call whose queue was not resolved yet reports {@value #UNKNOWN_QUEUE}.
 */
public interface PublishMetrics {
    /** The queue reported for a call rejected before its queue was resolved. */
    String UNKNOWN_QUEUE = "unknown";

    /** Records nothing. */
    PublishMetrics NONE = new PublishMetrics() {};

    /**
     * A message was handed to the broker (or written into the caller's transaction by a transactional
     * publisher) and the broker accepted it.
     */
    default void published(String task, String queue) {}

    /** Publishing to the broker threw (the broker was unreachable or refused): the caller got the exception. */
    default void failed(String task, String queue) {}

    /**
     * The call was refused before anything was sent, for {@code reason}: {@code payload_too_large},
     * {@code invalid} (arguments that do not encode or match, an expiry before the start).
     */
    default void rejected(String task, String queue, String reason) {}

    /**
     * A message enqueued with {@code delayOnCommit} could not be published after its transaction committed:
     * the task is lost (the transaction cannot be undone). Only brokers without a transactional publisher
     * can lose one this way; see {@code docs/enqueueing.md}.
     */
    default void afterCommitLost(String task, String queue) {}
}
