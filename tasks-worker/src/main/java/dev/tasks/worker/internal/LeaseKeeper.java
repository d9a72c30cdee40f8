package dev.tasks.worker.internal;

import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * The lease heartbeat: extends, in one broker call, the leases of every task the worker holds (queued,
 * running, and finished but not yet acknowledged), and renews the idempotency claims of running tasks. A
 * prefetched task whose lease was lost is dropped here (it will be redelivered); a running one is flagged and
 * keeps running, with a warning. Thread-safe.
 */
final class LeaseKeeper {

    /** The first pause before a failed lease heartbeat is tried again (doubling while sooner than the next beat). */
    static final long FIRST_RETRY_MILLIS = 100;

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final Broker broker;
    private final Clock clock;
    private final HeldRuns runs;
    /** Held while a heartbeat runs (the regular one or a retry). */
    private final AtomicBoolean beating = new AtomicBoolean();
    /** The pause before the next retry of a failed heartbeat (housekeeping threads only). */
    private volatile long retryMillis = FIRST_RETRY_MILLIS;
    private volatile ScheduledExecutorService housekeeping;

    LeaseKeeper(WorkerConfig config, HeldRuns runs) {
        this.config = config;
        this.broker = config.broker();
        this.clock = config.clock();
        this.runs = runs;
    }

    /** Beats every heartbeat interval on {@code scheduler}, which the worker shuts down when it stops. */
    void start(ScheduledExecutorService scheduler) {
        this.housekeeping = scheduler;
        long beat = config.heartbeatInterval().toNanos();
        scheduler.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.NANOSECONDS);
    }

    /**
     * Extends the leases of the tasks this worker holds; runs every heartbeat interval, and sooner after a
     * failure: a failed beat is tried again after {@value #FIRST_RETRY_MILLIS} ms, then twice as late each
     * time, while that is sooner than the next regular beat (at a third of the lease, two failed beats in a
     * row would otherwise leave no margin). One beat at a time: a retry that finds a beat running skips.
     * Called by the scheduler given to {@link #start} (and by tests).
     */
    void heartbeat() {
        if (!beating.compareAndSet(false, true)) {
            return;
        }
        try {
            beat();
        } finally {
            beating.set(false);
        }
    }

    private void beat() {
        try {
            // Queued, running, and finished but not yet acknowledged (an ack held up must not let the lease run
            // out: the task would run again).
            List<Run> live = new ArrayList<>();
            for (Run r : runs.all()) {
                Run.State s = r.state();
                if ((s == Run.State.QUEUED || s == Run.State.ACTIVE || s == Run.State.DONE) && !r.earlyAcked) {
                    live.add(r);
                }
            }
            if (live.isEmpty()) {
                return;
            }
            List<Delivery> deliveries = new ArrayList<>(live.size());
            for (Run r : live) {
                deliveries.add(r.delivery);
            }
            Set<String> lost = broker.extendLeases(deliveries, config.lease());
            retryMillis = FIRST_RETRY_MILLIS;
            Instant now = clock.instant();
            for (Run r : live) {
                if (!lost.contains(r.delivery.receipt())) {
                    continue;
                }
                if (runs.unqueue(r)) {
                    runs.cleanup(r);
                    log.warn("lease lost for prefetched task {} from queue {} after {}s; it was not started here and"
                            + " will be redelivered", r.taskId(), r.delivery.queue(),
                            Duration.between(r.fetchedAt, now).toSeconds());
                } else if (r.state() == Run.State.ACTIVE && !r.leaseLost) {
                    r.leaseLost = true;
                    log.warn("lease lost for task {} ({}) after {}s; it may be redelivered to another worker while it"
                            + " still runs here", r.taskId(), r.taskName(), Duration.between(r.fetchedAt, now).toSeconds());
                } else if (r.state() == Run.State.DONE) {
                    // Usually its ack went through while the extension was on its way (so not worth a warning);
                    // otherwise the ack, when it comes, finds the task delivered again.
                    log.debug("lease of finished task {} ({}) not extended: acknowledged meanwhile, or lost before"
                            + " its acknowledgement went through", r.taskId(), r.taskName());
                }
            }
            for (Run r : live) {
                if (r.claimedKey != null && r.state() == Run.State.ACTIVE
                        && !broker.idempotency().renew(r.claimedKey, r.claimOwner, config.lease())) {
                    log.warn("idempotency claim on key '{}' lost for task {} ({}); a duplicate may start", r.claimedKey,
                            r.taskId(), r.taskName());
                }
            }
        } catch (Throwable t) {
            long retry = retryMillis;
            boolean firstInARow = retry == FIRST_RETRY_MILLIS;
            Duration next = config.heartbeatInterval();
            if (retry < next.toMillis()) {
                try {
                    housekeeping.schedule(this::heartbeat, retry, TimeUnit.MILLISECONDS);
                    next = Duration.ofMillis(retry);
                    retryMillis = retry * 2;
                } catch (RejectedExecutionException stopping) {
                    // The worker stops: no more beats.
                }
            }
            if (firstInARow) {
                log.warn("lease heartbeat failed ({}); retrying in {}", t.toString(), next, t);
            } else {
                log.warn("lease heartbeat failed again ({}); retrying in {}", t.toString(), next);
            }
        }
    }
}
