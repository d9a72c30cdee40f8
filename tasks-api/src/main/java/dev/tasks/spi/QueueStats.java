package dev.tasks.spi;

/**
 * Counts of one queue at one moment; each may be approximate for a busy queue.
 *
 * @param queue the queue
 * @param ready due and waiting to be fetched
 * @param delayed waiting for their countdown/eta/retry time
 * @param inFlight fetched and leased, not yet finished
 * @param dead dead letters kept for this queue
 */
public record QueueStats(String queue, long ready, long delayed, long inFlight, long dead) {}
