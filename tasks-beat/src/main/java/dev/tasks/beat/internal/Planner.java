package dev.tasks.beat.internal;

import dev.tasks.beat.MissedRunPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The scheduling decision as a pure function of (trigger, policy, last handled slot, now): no clock, no
 * state, no I/O, so every case (downtime, DST, failover) is tested by passing instants.
 */
public final class Planner {

    private Planner() {}

    /** What to do with one schedule now. */
    public enum Action {
        /** The schedule was never handled: record {@link Plan#slot()} (now) as its starting point, fire nothing. */
        START,
        /** Nothing is due before {@link Plan#nextSlot()}. */
        WAIT,
        /** Fire {@link Plan#slot()}, then record it as handled. */
        FIRE,
        /** Record {@link Plan#slot()} as handled without firing it (missed, policy {@link MissedRunPolicy#SKIP}). */
        SKIP
    }

    /**
     * One decision.
     *
     * @param action what to do
     * @param slot the slot to fire, skip or start from; null for {@link Action#WAIT}
     * @param firstDue the earliest due slot (equal to {@code slot} unless earlier slots are skipped); null
     *     for {@link Action#WAIT} and {@link Action#START}
     * @param late true when {@code slot} is older than the grace period (a catch-up fire or a skip)
     * @param nextSlot the next slot after this decision is carried out; null if the trigger has no more. It
     *     may be due already (several slots came due while no beat was enqueueing): plan again at once.
     */
    public record Plan(Action action, Instant slot, Instant firstDue, boolean late, Instant nextSlot) {
        /** True when slots before {@link #slot()} were due too and are dropped. */
        public boolean skipsEarlierSlots() {
            return firstDue != null && slot != null && firstDue.isBefore(slot);
        }
    }

    /**
     * Decides the next step of a schedule at {@code now}. Every slot late by at most {@code grace} fires,
     * one plan at a time in slot order: after a failover the new leader sends each slot that came due
     * meanwhile. Slots older than that are <em>missed</em>: under {@link MissedRunPolicy#SKIP} the latest of
     * them is recorded without firing (one {@link Action#SKIP} plan covers them all), under
     * {@link MissedRunPolicy#RUN_ONCE} the latest of them fires and the earlier ones are dropped. The next
     * plan then goes on with the slots within the grace period.
     *
     * @param trigger the schedule's slots
     * @param policy what to do with slots older than {@code grace}
     * @param lastHandled the last slot fired or skipped, or null if the schedule was never handled
     * @param now the current time
     * @param grace how late a slot may be and still fire normally
     */
    public static Plan plan(Trigger trigger, MissedRunPolicy policy, Instant lastHandled, Instant now, Duration grace) {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(grace, "grace");
        if (lastHandled == null) {
            return new Plan(Action.START, now, null, false, trigger.nextAfter(now).orElse(null));
        }
        Optional<Instant> next = trigger.nextAfter(lastHandled);
        if (next.isEmpty() || next.get().isAfter(now)) {
            return new Plan(Action.WAIT, null, null, false, next.orElse(null));
        }
        Instant first = next.get();
        if (Duration.between(first, now).compareTo(grace) <= 0) {
            return new Plan(Action.FIRE, first, first, false, trigger.nextAfter(first).orElse(null));
        }
        // Missed slots: those in (lastHandled, now - grace). The policy handles them as one.
        Instant latestMissed = latestDue(trigger, lastHandled, now.minus(grace).minusNanos(1));
        Instant after = trigger.nextAfter(latestMissed).orElse(null);
        Action action = policy == MissedRunPolicy.SKIP ? Action.SKIP : Action.FIRE;
        return new Plan(action, latestMissed, first, true, after);
    }

    /**
     * Whether a slot that was recorded but whose enqueue did not complete (the beat died or the broker
     * failed in between) is still worth sending at {@code now}.
     */
    public static boolean resendPending(MissedRunPolicy policy, Instant slot, Instant now, Duration grace) {
        return policy == MissedRunPolicy.RUN_ONCE || Duration.between(slot, now).compareTo(grace) <= 0;
    }

    /**
     * The latest slot in (lastHandled, now]; one exists. Searches backwards from {@code now} in doubling
     * windows, so a long downtime costs a few dozen trigger calls, not one per missed slot.
     */
    static Instant latestDue(Trigger trigger, Instant lastHandled, Instant now) {
        Duration window = Duration.ofSeconds(1);
        while (true) {
            Instant from = now.minus(window);
            if (!from.isAfter(lastHandled)) {
                from = lastHandled;
            }
            Optional<Instant> candidate = trigger.nextAfter(from);
            if (candidate.isPresent() && !candidate.get().isAfter(now)) {
                Instant last = candidate.get();
                while (true) {
                    Optional<Instant> n = trigger.nextAfter(last);
                    if (n.isEmpty() || n.get().isAfter(now)) {
                        return last;
                    }
                    last = n.get();
                }
            }
            if (from.equals(lastHandled)) {
                throw new IllegalStateException("no slot due between " + lastHandled + " and " + now);
            }
            window = window.multipliedBy(2);
        }
    }
}
