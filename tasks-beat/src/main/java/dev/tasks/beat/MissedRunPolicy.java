package dev.tasks.beat;

/**
 * What a schedule does with slots that passed while no beat was enqueueing (all beats down, or a
 * failover slower than the grace period).
 *
 * <p>A slot that is late by at most the beat's grace period ({@link Beat.Builder#gracePeriod}) is not
 * missed: it fires under either policy, each such slot once and in order (after a failover, every slot
 * that came due meanwhile). Slots older than that are missed; the policy handles them as one: it drops
 * them all, or fires only the latest of them, never a burst of missed slots.
 */
public enum MissedRunPolicy {
    /** Skip missed slots: the schedule resumes with its next future slot. The default. */
    SKIP,
    /** After downtime, fire the latest missed slot once to catch up (the earlier ones are dropped), then resume. */
    RUN_ONCE
}
