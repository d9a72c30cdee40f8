package dev.tasks.redis;

import java.util.concurrent.TimeUnit;

/**
 * What the fetcher knows of one queue between reads, and the timing rules of {@link MessageClaimer} that
 * depend on it (times are {@link System#nanoTime()} values). Fields are volatile: concurrent fetches
 * share the state, and a stale read only costs one more script call or check.
 */
final class QueueReadState {
    private static final long DUE_CHECK_INTERVAL_NANOS =
            TimeUnit.MILLISECONDS.toNanos(MessageClaimer.DUE_CHECK_INTERVAL_MILLIS);
    private static final long RECLAIM_INTERVAL_NANOS =
            TimeUnit.MILLISECONDS.toNanos(MessageClaimer.RECLAIM_INTERVAL_MILLIS);
    private static final long QUIET_RECHECK_NANOS =
            TimeUnit.MILLISECONDS.toNanos(MessageClaimer.QUIET_RECHECK_MILLIS);

    /** The last read filled the queue's share from one stream: the next may read without the script. */
    volatile boolean direct;
    /** The group exists on all of the queue's streams, so one command can read them all. */
    volatile boolean groupsReady;
    /** The last script found nothing: its answer on when to look again, else null (set by {@link #quiet}). */
    volatile FetchReply.Wake quiet;
    /**
     * When the next lease named by {@link #quiet} runs out, as a {@link System#nanoTime()} value: leases are
     * timed by the server, in real time, not by the broker's clock.
     */
    private volatile long leaseDeadlineNanos;
    private volatile long scriptedAt;
    private volatile long reclaimedAt;
    /** The last script or plain check of whether delayed messages came due (and, if quiet, entries came). */
    private volatile long checkedAt;
    /** That check found due delayed messages: the next read runs the script, which moves them. */
    private volatile boolean due;

    QueueReadState() {
        long longAgo = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
        scriptedAt = longAgo;
        reclaimedAt = longAgo;
        checkedAt = longAgo;
    }

    /** Whether the next read may be a plain {@code XREADGROUP} instead of the script. */
    boolean readsDirect(long nanos, long scriptIntervalNanos) {
        return direct && groupsReady && !due && nanos - scriptedAt < scriptIntervalNanos;
    }

    /** Whether it is time to ask again whether delayed messages came due. */
    boolean checkDue(long nanos) {
        return nanos - checkedAt >= DUE_CHECK_INTERVAL_NANOS;
    }

    /** Whether the script run now should look for leases that ran out. */
    boolean reclaimDue(long nanos) {
        return nanos - reclaimedAt >= RECLAIM_INTERVAL_NANOS;
    }

    /** The script is run now (it moves due delayed messages; with {@code reclaim}, it looks for leases). */
    void scripted(long nanos, boolean reclaim) {
        scriptedAt = nanos;
        checkedAt = nanos;
        due = false;
        if (reclaim) {
            reclaimedAt = nanos;
        }
    }

    /** A plain check at {@code nanos} found delayed messages due, or not. */
    void checked(long nanos, boolean due) {
        checkedAt = nanos;
        this.due = due;
    }

    boolean due() {
        return due;
    }

    /**
     * The script run at {@link #scripted} with {@code nowMillis} found nothing: keeps its answer, with its
     * lease deadline taken to the {@link System#nanoTime()} scale.
     */
    void quiet(FetchReply.Wake wake, long nowMillis) {
        long left = wake.untilLeaseDeadline(nowMillis);
        leaseDeadlineNanos = left == Long.MAX_VALUE ? Long.MAX_VALUE
                : scriptedAt + TimeUnit.MILLISECONDS.toNanos(Math.max(0, left));
        quiet = wake;
    }

    /** Milliseconds from {@code nanos} to the next lease deadline the quiet answer named; MAX_VALUE if none. */
    long untilLeaseDeadlineMillis(long nanos) {
        long deadline = leaseDeadlineNanos;
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : TimeUnit.NANOSECONDS.toMillis(deadline - nanos);
    }

    /** The last script looked for leases that ran out (so a quiet answer holds the next lease deadline). */
    boolean reclaimedLast() {
        return reclaimedAt == scriptedAt;
    }

    /**
     * Whether a queue whose script found nothing ({@code wake}) may still be passed over without the script:
     * the answer is younger than {@value MessageClaimer#QUIET_RECHECK_MILLIS} ms, leases were looked for then
     * or recently, and neither the next delayed message's due time (by the broker's clock, {@code now}) nor
     * the next lease deadline it named (in real time) has been reached.
     */
    boolean stillQuiet(FetchReply.Wake wake, long nanos, long now) {
        return nanos - scriptedAt < QUIET_RECHECK_NANOS
                && (reclaimedLast() || nanos - reclaimedAt < RECLAIM_INTERVAL_NANOS)
                && wake.untilNextDue(now) > 0 && untilLeaseDeadlineMillis(nanos) > 0;
    }
}
