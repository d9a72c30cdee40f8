package dev.tasks.worker.internal;

import dev.tasks.TaskDefinition;
import dev.tasks.message.Envelope;
import dev.tasks.spi.ControlStore;
import dev.tasks.spi.RateReservation;
import dev.tasks.spi.runtime.TaskControls;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Keeps {@code @Task(rateLimit)} across all workers of a broker: a run starts only at a slot it holds,
 * and the slots of a limit are at least one interval apart (the {@link ControlStore#reserveRate} of the
 * broker hands them out, one at a time, to whichever worker asks).
 *
 * <p>How a run of a limited task gets to start:
 * <ol>
 *   <li>Before it is acknowledged, it asks the store for a slot no further than {@link #HORIZON} ahead.
 *       If none is free that close, the run is put back through the broker (not an attempt, no worker
 *       slot held) until the turn the store handed out: turns are one interval apart, so runs refused
 *       together come back one by one, and each asks again.</li>
 *   <li>Holding a slot, the run waits for it on its own thread (at most {@link #HORIZON}) and starts
 *       when it comes, right before the task's code. Slots are never carried through the broker, so
 *       how late a broker delivers a postponed task cannot bunch runs together.</li>
 *   <li>A run that reaches its slot more than {@link #allowedLateness} late (its process was paused,
 *       its thread starved) does not use it: a late slot would start next to the slots after it. It
 *       reserves a new slot and waits again.</li>
 * </ol>
 * So every run starts within {@code [slot, slot + allowedLateness]} of a slot of its own, and any window
 * of length {@code w} holds at most {@code ceil((w + allowedLateness) / interval)} starts: for a limit
 * of {@code n} per second, at most {@code n + max(1, 2 %)} in any second, from the first second on,
 * after a pause too (time that passed unused is not saved up). Slots are asked for a little ahead
 * ({@link #lead}: twice the usual time from asking to starting, as measured), so a slot is rarely late
 * for the round trips in between. Because few slots are ever held ahead (at most one per waiting run,
 * within {@link #HORIZON}), a run that dies or is revoked wastes at most one slot, and while enough work
 * is queued the slots are all used.
 *
 * <p>Unlimited tasks pass through {@link #reserve} and {@link #awaitSlot} without a round trip.
 * Thread-safe.
 */
final class RateLimiter {
    /** The furthest ahead a run takes a slot and waits for it on its thread. */
    static final Duration HORIZON = Duration.ofMillis(250);
    /** The shortest lateness allowed (see {@link #allowedLateness}). */
    static final Duration MIN_LATENESS = Duration.ofMillis(20);
    /** How far ahead slots are asked for at first, before the time from asking to starting is measured. */
    static final Duration FIRST_LEAD = Duration.ofMillis(2);
    /** Bound of the measured lead. */
    static final Duration MAX_LEAD = HORIZON.dividedBy(2);
    /** The longest a waiting thread sleeps before it checks that its run was not given back. */
    private static final long MAX_NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final Logger log = LogSafe.logger(dev.tasks.worker.Worker.class);

    private final ControlStore store;
    private final Clock clock;
    private final Map<Run, Held> held = new ConcurrentHashMap<>();
    /** Smoothed time from asking for a slot to reaching the start, in microseconds. */
    private volatile long pathMicros = FIRST_LEAD.toNanos() / 2000;

    /** A slot reserved for a run that has not started yet. */
    private record Held(String key, Duration interval, Instant askedAt, Instant slot) {}

    RateLimiter(ControlStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * The latest a run may start after its slot: four fifths of the larger of the interval and
     * {@link #MIN_LATENESS} (the last fifth covers the path from the check to the task's code).
     */
    static Duration allowedLateness(Duration interval) {
        Duration d = interval.compareTo(MIN_LATENESS) > 0 ? interval : MIN_LATENESS;
        return d.multipliedBy(4).dividedBy(5);
    }

    /** How far ahead slots are asked for now. */
    Duration lead() {
        long us = Math.min(2 * pathMicros, MAX_LEAD.toNanos() / 1000);
        return Duration.ofNanos(Math.max(us, 1) * 1000);
    }

    /**
     * Reserves a slot for a run of a rate-limited task, or says when to offer it again; does nothing for
     * a task without a rate limit.
     *
     * @return empty when the run may go on (holding a slot, or unlimited); otherwise the delay to put it
     *     back by
     */
    Optional<Duration> reserve(Run run, Envelope env, TaskDefinition def, TaskControls c) {
        if (!c.rateLimited()) {
            return Optional.empty();
        }
        String key = c.rateKey(def.name(), env.args());
        Instant asked = clock.instant();
        RateReservation r = store.reserveRate(key, c.rateInterval(), lead(), HORIZON);
        if (!r.reserved()) {
            return Optional.of(r.delay());
        }
        held.put(run, new Held(key, c.rateInterval(), asked, asked.plus(r.delay())));
        return Optional.empty();
    }

    /**
     * Waits on the calling thread until the slot the run holds, if it holds one, reserving a new one when
     * it got there too late. Returns early when the run is given back meanwhile (it then does not start).
     * Keeps an interrupt for the caller.
     */
    void awaitSlot(Run run) {
        Held h = held.remove(run);
        if (h == null) {
            return;
        }
        boolean interrupted = false;
        boolean measured = false;
        try {
            while (true) {
                Instant now = clock.instant();
                if (!measured) {
                    measured = true;
                    long took = Math.max(0, Duration.between(h.askedAt, now).toNanos() / 1000);
                    pathMicros += (took - pathMicros) / 8;
                }
                long waitNanos = Duration.between(now, h.slot).toNanos();
                if (waitNanos > 0) {
                    interrupted |= sleep(run, waitNanos);
                    if (run.state() != Run.State.ACTIVE) {
                        return;
                    }
                    now = clock.instant();
                }
                Duration late = Duration.between(h.slot, now);
                if (late.compareTo(allowedLateness(h.interval)) <= 0) {
                    return;
                }
                // Paused or starved past the slot: using it now would bunch this start with the next ones.
                Instant asked = clock.instant();
                RateReservation r = store.reserveRate(h.key, h.interval, lead(), Duration.ofDays(1));
                log.debug("task {} ({}) reached its rate-limit slot {} ms late; it waits {} ms for a new one",
                        run.taskId(), run.taskName(), late.toMillis(), r.delay().toMillis());
                h = new Held(h.key, h.interval, asked, asked.plus(r.delay()));
                measured = false;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sleeps up to {@code nanos} in naps, stopping when the run is given back; true if interrupted. */
    private static boolean sleep(Run run, long nanos) {
        boolean interrupted = false;
        long end = System.nanoTime() + nanos;
        long left = nanos;
        while (left > 0 && run.state() == Run.State.ACTIVE) {
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, MAX_NAP_NANOS));
            } catch (InterruptedException e) {
                interrupted = true;
            }
            left = end - System.nanoTime();
        }
        return interrupted;
    }

    /** Forgets the slot of a run that ends without starting (the slot passes unused). */
    void forget(Run run) {
        held.remove(run);
    }
}
