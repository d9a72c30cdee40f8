package dev.tasks.worker.internal;

import dev.tasks.TaskDefinition;
import dev.tasks.hooks.Running;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.message.Envelope;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.runtime.HookRunner;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One held delivery, from fetch until it is settled (acknowledged, retried, dead-lettered or given back).
 * State changes happen under this object's lock, so exactly one party settles a delivery: the slot that
 * runs it, the timer that abandons it past its hard limit, or the shutdown that gives it back.
 */
final class Run {

    enum State { QUEUED, ACTIVE, DONE, ABANDONED, RELEASED }

    enum AbandonReason { HARD_TIME_LIMIT, SHUTDOWN }

    final Delivery delivery;
    final Instant fetchedAt;
    private State state = State.QUEUED;
    private boolean invoking;
    private Thread thread;
    private AbandonReason abandonReason;
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private final AtomicBoolean placeReleased = new AtomicBoolean();

    // Written by the slot thread before invoking; read by the timer/heartbeat/replacement after.
    volatile Envelope envelope;
    volatile TaskDefinition definition;
    volatile int maxRetries;
    volatile String claimedKey;
    volatile String claimOwner;
    volatile boolean earlyAcked;
    volatile boolean leaseLost;
    volatile boolean softLimitExceeded;
    volatile long startedNanos;
    volatile Slot slot;
    /** When the fetcher found this task not revoked, in {@link System#nanoTime()} terms; 0: not checked. */
    volatile long notRevokedAtNanos;
    /** Whether the fetcher found this task revoked. */
    volatile boolean revokedAtFetch;

    Run(Delivery delivery, Instant fetchedAt) {
        this.delivery = delivery;
        this.fetchedAt = fetchedAt;
    }

    /** QUEUED to ACTIVE, by the slot that took it; false if it was given back meanwhile. */
    synchronized boolean start(Thread runner, Slot owner) {
        if (state != State.QUEUED) {
            return false;
        }
        state = State.ACTIVE;
        thread = runner;
        slot = owner;
        return true;
    }

    /** QUEUED to RELEASED (prefetched, never started); false if a slot took it. */
    synchronized boolean cancelQueued() {
        if (state != State.QUEUED) {
            return false;
        }
        state = State.RELEASED;
        return true;
    }

    /** ACTIVE to DONE, by the slot before it settles the delivery; false if abandoned meanwhile. */
    synchronized boolean settle() {
        if (state != State.ACTIVE) {
            return false;
        }
        state = State.DONE;
        return true;
    }

    /** Marks the task body as running (interrupts may now be delivered); false if abandoned already. */
    synchronized boolean beginInvoke() {
        if (state != State.ACTIVE) {
            return false;
        }
        invoking = true;
        return true;
    }

    /**
     * Marks the task body as returned. After this no interrupt is sent for this run, so the caller may
     * clear the thread's interrupt flag.
     *
     * @return whether the run is still the slot's to settle (not abandoned)
     */
    synchronized boolean endInvoke() {
        invoking = false;
        return state == State.ACTIVE;
    }

    /** Soft limit: flags it and interrupts the task's thread, if the body is still running. */
    synchronized boolean softLimit() {
        if (state != State.ACTIVE || !invoking) {
            return false;
        }
        softLimitExceeded = true;
        thread.interrupt();
        return true;
    }

    /** Hard limit: abandons the run if its body is still running; the caller then owns settling it. */
    synchronized boolean abandonInvoking() {
        if (state != State.ACTIVE || !invoking) {
            return false;
        }
        state = State.ABANDONED;
        abandonReason = AbandonReason.HARD_TIME_LIMIT;
        thread.interrupt();
        return true;
    }

    /** Shutdown: abandons an active run in any phase; the caller then owns giving it back. */
    synchronized boolean abandonForShutdown() {
        if (state != State.ACTIVE) {
            return false;
        }
        state = State.ABANDONED;
        abandonReason = AbandonReason.SHUTDOWN;
        if (invoking) {
            thread.interrupt();
        }
        return true;
    }

    synchronized State state() {
        return state;
    }

    synchronized AbandonReason abandonReason() {
        return abandonReason;
    }

    synchronized Thread thread() {
        return thread;
    }

    /** True the first time only: the caller then frees the permit and forgets the delivery. */
    boolean markCleaned() {
        return cleaned.compareAndSet(false, true);
    }

    /** True the first time only: the caller then gives back the worker's place for this run. */
    boolean markPlaceReleased() {
        return placeReleased.compareAndSet(false, true);
    }

    String taskId() {
        Envelope e = envelope;
        if (e != null) {
            return e.id();
        }
        return delivery.messageId() != null ? delivery.messageId() : "(no id)";
    }

    /** What hooks see of this run; needs the decoded envelope. */
    Running hookView() {
        Envelope e = envelope;
        return HookRunner.run(e.id(), e.task(), delivery.queue(), e.attempt(), e.headers());
    }

    /** What listeners see of this task, decoded or not. */
    TaskInfo hookTask() {
        Envelope e = envelope;
        return e != null ? hookView() : HookRunner.task(taskId(), taskName(), delivery.queue(), java.util.Map.of());
    }

    String taskName() {
        Envelope e = envelope;
        return e != null ? e.task() : "(not decoded)";
    }
}
