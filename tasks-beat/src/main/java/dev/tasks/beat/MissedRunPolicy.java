package dev.tasks.beat;

/**
 * What a schedule does with slots that passed while no beat was enqueueing (all beats down, or a
 * failover slower than the grace period).
 *
 * <p>A slot that is late by at most the beat's grace period ({@link Beat.Builder#gracePeriod}) is not
 * missed: it fires normally under either policy. When several slots are due at once only the latest one
 * is considered; the earlier ones are skipped under either policy, so a schedule never fires in a burst.
 */
public enum MissedRunPolicy {
    /** Skip missed slots: the schedule resumes with its next future slot. The default. */
    SKIP,
    /** After downtime, fire once (for the latest missed slot) to catch up, then resume; never a burst. */
    RUN_ONCE
}
