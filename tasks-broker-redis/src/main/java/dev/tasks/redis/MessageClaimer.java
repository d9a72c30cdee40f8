package dev.tasks.redis;

import dev.tasks.spi.Delivery;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The fetching side of a {@link RedisBroker}, and the one place that explains how a fetch reads (the
 * constants, {@link FetchPass}, {@link QueueReadState} and {@code fetch.lua} refer here).
 *
 * <p><b>The read is the lease.</b> Every read is an {@code XREADGROUP} (plain, or inside {@code fetch.lua})
 * by the consumer named after the lease's length ({@link QueueKeys#consumerFor}), which puts each entry
 * read in that consumer's pending list: a crash cannot lose a message between read and lease.
 *
 * <p><b>Two ways to read a queue.</b>
 * <ul>
 *   <li><i>The script</i> ({@code fetch.lua}, reply {@link FetchReply}) first moves due delayed messages to
 *       their streams ({@value #MOVE_BATCH} at a time) and, at most every {@value #RECLAIM_INTERVAL_MILLIS}
 *       ms, redelivers the messages whose lease ran out (it scans the deliveries held); then it reads level
 *       by level, highest first, each level's redeliveries before its fresh messages. When it takes nothing
 *       it says when to look again: a {@link FetchReply.Wake}.</li>
 *   <li><i>A direct read</i> is one plain {@code XREADGROUP COUNT n} of all of the queue's streams, highest
 *       level first. A queue is read so when its last read filled its share from one stream, its script
 *       ran less than {@value #SCRIPT_INTERVAL_MILLIS} ms ago and it had no due delayed messages when last
 *       asked; it is asked (a plain {@code ZCOUNT} in the same pipeline) every
 *       {@value #DUE_CHECK_INTERVAL_MILLIS} ms, and its next read is the script when some are due.
 *       {@code COUNT} applies to each stream, so when several streams had entries the read may return more
 *       than the share: the lowest-placed ones are given back at once ({@code release.lua}, to the front of
 *       their level, delivery count unchanged) and the queue goes back to the script, as does a queue that
 *       gave less than its share.</li>
 * </ul>
 *
 * <p><b>Quiet queues.</b> A queue whose script found nothing costs nothing while it stays empty: it is
 * passed over until that answer is {@value #QUIET_RECHECK_MILLIS} ms old, a deadline it named is reached
 * (the next delayed message's due time by the broker's clock, the next lease deadline in real time) or (if
 * that script did not look for leases) {@value #RECLAIM_INTERVAL_MILLIS} ms passed, or news comes. News is
 * an entry added to one of its streams after the last ones the script saw, or to its wake stream, where
 * {@code publish.lua} and {@code settle.lua} add an entry when a delayed message becomes the queue's
 * earliest (so the deadline the answer named is too late). While other queues are read, quiet queues are
 * probed with two plain commands in the same round trip, an {@code XREAD} from the last entries the script
 * saw and a {@code ZCOUNT} of due delayed messages, at least every {@value #DUE_CHECK_INTERVAL_MILLIS} ms
 * and whenever the other queues cannot fill the fetch; a queue where something came is read, with the
 * script, in the same fetch. A pass that takes nothing probes none when the fetch is to wait: the wait
 * watches them all. The recheck after {@value #QUIET_RECHECK_MILLIS} ms is a safety net only, for writers
 * that add no wake entry (an older version's) and for keys changed by hand.
 *
 * <p><b>Fairness</b> ({@link FetchPass}). {@code max} is split between the queues that may have messages:
 * first those a blocking read saw get messages, then from a rotating start. One read serves
 * {@link #served}{@code (queues, max)} of them, at least {@value #MIN_SHARE} (a fetch of 64 from 100 queues
 * reads 8 queues, 8 each, not 64 queues one each: a read, an {@code XACK} and an {@code XDEL} per task),
 * and the start moves on by the queues served, so over successive fetches every queue is served alike.
 * What one queue cannot use goes to the others in the next read of the same pass. Within a queue,
 * priorities are strict.
 *
 * <p><b>One round trip per read.</b> The scripts, the direct reads, the due checks, the probes and the
 * revocations' version ({@link RedisControlStore}) go out in one pipeline; on a Cluster one per node, each
 * queue's commands in one group ({@link GroupedPipeline}). A queue whose node failed, or whose slot moves
 * or has no master yet, is put aside for a moment ({@link QueueOutages}); the others go on.
 *
 * <p><b>Waiting.</b> When a pass took nothing, the fetch blocks with one {@code XREAD BLOCK} on all of the
 * quiet queues' streams and wake streams, from the last entries seen, at most {@value #MAX_BLOCK_MILLIS} ms
 * at a time (so an interrupted fetch returns within that) and never past a deadline a quiet answer named
 * (nor past {@value #RECLAIM_INTERVAL_MILLIS} ms when a script of the pass did not look for leases), so a
 * publish wakes it at once and the next pass reads the queue that got it first. The server may end a
 * blocking read up to {@value #SERVER_TIMER_SLACK_MILLIS} ms late, so such a wait blocks until that long
 * before the deadline and sleeps the rest (a publish in that last stretch waits for its end). An idle worker thus sends
 * one command per fetch wait, whatever its number of queues. A wait that ends with nothing new ends the
 * fetch without another pass. A fetch that does not wait ({@code wait} zero or over) probes the quiet
 * queues in its pass instead. On a Cluster the streams of different queues live in different slots, so it
 * watches one quiet queue at a time (rotating) for at most 100 ms, and its passes probe the others. When
 * every queue that answered is being read elsewhere and some are put aside, it waits for the next attempt
 * on those instead. After a connection failure, fetches wait out the reconnect backoff of
 * {@link ConnectionGuard}, and every quiet answer is dropped (the next read of each queue runs the script).
 *
 * <p>Thread-safe: concurrent fetches share the queues' {@link QueueReadState} and the rotating start.
 */
final class MessageClaimer {
    /** Most delayed messages one script call moves to their streams, and most expired leases it redelivers. */
    static final int MOVE_BATCH = 1000;
    /** Longest {@code XREAD BLOCK} of a waiting fetch (a fetch's own wait is usually shorter). */
    static final long MAX_BLOCK_MILLIS = 1000;
    /**
     * How late the server may end a blocking read whose time is up: it looks for such reads every {@code 1/hz}
     * seconds when idle ({@code hz} 10 by default). A wait for a deadline a quiet answer named (a due time, a
     * lease deadline) blocks until this long before it, then waits the rest here, so the deadline is kept.
     */
    static final long SERVER_TIMER_SLACK_MILLIS = 100;
    /** Longest wait of a fetch for the next attempt on queues put aside after a failure. */
    static final long MAX_OUTAGE_WAIT_MILLIS = 500;
    /**
     * How long a quiet queue's answer stands without news: the script looks at the queue again after this
     * even when nothing woke the fetch (a delayed message or lease from a writer that does not wake fetches,
     * such as an older version, is found within this).
     */
    static final long QUIET_RECHECK_MILLIS = 60_000;
    /** How long a busy queue may be read without the script (see the class documentation). */
    static final long SCRIPT_INTERVAL_MILLIS = 1000;
    /** How often a queue read without the script is asked whether delayed messages came due (or, quiet, news). */
    static final long DUE_CHECK_INTERVAL_MILLIS = 50;
    /** How often the script looks for leases that ran out. */
    static final long RECLAIM_INTERVAL_MILLIS = 50;
    /** How many queues one read serves at least, and the share a queue gets from a large enough fetch. */
    static final int MIN_SHARE = 8;

    private final ConnectionGuard guard;
    private final Clock clock;
    private final Keyspace keys;
    private final RedisControlStore control;
    private final QueueOutages outages;
    private final boolean cluster;
    private final Map<String, QueueReadState> states = new ConcurrentHashMap<>();
    private final AtomicInteger fairnessCursor = new AtomicInteger();
    private volatile long scriptIntervalNanos = TimeUnit.MILLISECONDS.toNanos(SCRIPT_INTERVAL_MILLIS);

    MessageClaimer(ConnectionGuard guard, Clock clock, Keyspace keys, RedisControlStore control,
            QueueOutages outages, boolean cluster) {
        this.guard = guard;
        this.clock = clock;
        this.keys = keys;
        this.control = control;
        this.outages = outages;
        this.cluster = cluster;
    }

    /** How many queues the first read of a pass for {@code max} serves, out of {@code queues}. */
    static int served(int queues, int max) {
        return Math.min(queues, Math.max(MIN_SHARE, max / MIN_SHARE));
    }

    /**
     * Leases up to {@code max} messages of the distinct, valid {@code queues}, waiting up to {@code wait}
     * for some; returns an empty list when the wait is over, the thread is interrupted or the broker closed.
     */
    List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        long start = System.nanoTime();
        long deadline = start + saturatedNanos(wait);
        String consumer = QueueKeys.consumerFor(lease);
        Set<String> news = Set.of();
        while (true) {
            if (Thread.currentThread().isInterrupted() || guard.isClosed()) {
                return List.of();
            }
            if (!guard.awaitReconnect(deadline)) {
                return List.of();
            }
            long now = clock.millis();
            Set<String> first = news;
            // The wait after the pass watches every quiet queue, unless there is none (or, on a Cluster, it
            // watches one queue at a time): then the pass itself probes them.
            boolean probeQuiet = deadline - System.nanoTime() <= 0 || (cluster && queues.size() > 1);
            FetchPass.Round round;
            try {
                round = guard.run("fetch from " + queues, true, j -> new FetchPass(this, j,
                        rotate(queues, first, max), first, max, consumer, now, probeQuiet).run());
            } catch (RuntimeException e) {
                forgetQuiet();
                throw e;
            }
            if (!round.deliveries().isEmpty()) {
                return round.deliveries();
            }
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMillis <= 0) {
                return List.of();
            }
            if (round.wake().isEmpty() && outages.any()) {
                // Every queue that answered has messages being read elsewhere, or none answered (their nodes
                // failed): wait for the next attempt on a failed queue, not for news.
                long until = Math.min(deadline, outages.nextAttemptNanos(deadline));
                if (!ConnectionGuard.sleep(Math.min(until - System.nanoTime(),
                        TimeUnit.MILLISECONDS.toNanos(MAX_OUTAGE_WAIT_MILLIS)))) {
                    return List.of();
                }
                news = Set.of();
                continue;
            }
            // The deadlines the quiet answers named: the wait must not outlast them.
            long named = round.reclaimSkipped() ? RECLAIM_INTERVAL_MILLIS : Long.MAX_VALUE;
            long nanos = System.nanoTime();
            for (Map.Entry<String, FetchReply.Wake> w : round.wake().entrySet()) {
                named = Math.min(named, w.getValue().untilNextDue(now));
                named = Math.min(named, state(w.getKey()).untilLeaseDeadlineMillis(nanos));
            }
            if (named < remainingMillis && named <= SERVER_TIMER_SLACK_MILLIS) {
                // Too close for a blocking read, which the server may end that late: wait here.
                if (!ConnectionGuard.sleep(TimeUnit.MILLISECONDS.toNanos(Math.max(0, named)))) {
                    return List.of();
                }
                news = Set.of();
                continue;
            }
            long block = Math.min(Math.min(remainingMillis, MAX_BLOCK_MILLIS),
                    named == Long.MAX_VALUE ? Long.MAX_VALUE : named - SERVER_TIMER_SLACK_MILLIS);
            long blockMillis = Math.max(1, block);
            if (guard.isClosed()) {
                return List.of();
            }
            try {
                news = guard.run("waiting for messages on " + queues, true,
                        j -> awaitNews(j, queues, round.wake(), blockMillis));
            } catch (RuntimeException e) {
                forgetQuiet();
                throw e;
            }
            if (news.isEmpty() && deadline - System.nanoTime() <= 0 && !(cluster && queues.size() > 1)) {
                // The wait watched every quiet queue to its end: nothing came.
                return List.of();
            }
        }
    }

    /**
     * After a failure the quiet answers may be wrong (a failover may have lost writes, a restart every key):
     * each queue's next read runs the script.
     */
    private void forgetQuiet() {
        for (QueueReadState st : states.values()) {
            st.quiet = null;
        }
    }

    /**
     * The order in which a pass offers the queues: those in {@code news} first, then the others from a start
     * that moves on by the queues the pass serves first; queues put aside after a failure are left out.
     */
    private List<String> rotate(List<String> names, Set<String> news, int max) {
        int n = names.size();
        int first = Math.floorMod(fairnessCursor.getAndAdd(served(n, max)), n);
        List<String> order = new ArrayList<>(n);
        order.addAll(news);
        for (int i = 0; i < n; i++) {
            String q = names.get((first + i) % n);
            if (!news.contains(q)) {
                order.add(q);
            }
        }
        if (outages.any()) {
            long nanos = System.nanoTime();
            order.removeIf(q -> outages.waiting(q, nanos));
        }
        return order;
    }

    /**
     * Blocks on the queues' streams until an entry is added after the last ones seen, or the time is up;
     * returns the queues that got one (the next pass reads them first).
     */
    private Set<String> awaitNews(UnifiedJedis j, List<String> names, Map<String, FetchReply.Wake> wake,
            long blockMillis) {
        if (cluster && names.size() > 1) {
            // Streams of different queues live in different slots: watch one queue (rotating) briefly, one
            // that answered; a node failure there only puts that queue aside (see QueueOutages).
            String q = watchable(names, wake);
            if (q == null) {
                return Set.of();
            }
            try {
                return awaitNews(j, List.of(q), wake, Math.min(blockMillis, 100));
            } catch (JedisException e) {
                if (!ConnectionGuard.isConnectionFailure(e)) {
                    throw e;
                }
                outages.failed(q, e);
                guard.nodeFailed(e);
                state(q).quiet = null;
                return Set.of();
            }
        }
        Map<String, StreamEntryID> streams = new LinkedHashMap<>();
        Map<String, String> queueOf = new HashMap<>();
        for (String q : names) {
            FetchReply.Wake w = wake.get(q);
            if (w == null) {
                return Set.of();
            }
            for (String stream : w.addStreams(streams, keys.of(q))) {
                queueOf.put(stream, q);
            }
        }
        List<Map.Entry<String, List<StreamEntry>>> got =
                j.xread(XReadParams.xReadParams().count(1).block((int) blockMillis), streams);
        if (got == null || got.isEmpty()) {
            return Set.of();
        }
        Set<String> news = new LinkedHashSet<>();
        for (Map.Entry<String, List<StreamEntry>> e : got) {
            String q = queueOf.get(e.getKey());
            if (q != null) {
                news.add(q);
            }
        }
        return news;
    }

    /** The queue a cluster's fetch watches next: from a rotating start, the first the last pass found quiet. */
    private String watchable(List<String> names, Map<String, FetchReply.Wake> wake) {
        int start = Math.floorMod(fairnessCursor.get(), names.size());
        for (int i = 0; i < names.size(); i++) {
            String q = names.get((start + i) % names.size());
            if (wake.containsKey(q)) {
                return q;
            }
        }
        return null;
    }

    QueueReadState state(String queue) {
        return states.computeIfAbsent(queue, q -> new QueueReadState());
    }

    QueueKeys keys(String queue) {
        return keys.of(queue);
    }

    ConnectionGuard guard() {
        return guard;
    }

    RedisControlStore control() {
        return control;
    }

    QueueOutages outages() {
        return outages;
    }

    long scriptIntervalNanos() {
        return scriptIntervalNanos;
    }

    /** For tests: how long a queue may be read without the script (default {@value #SCRIPT_INTERVAL_MILLIS}). */
    void scriptInterval(Duration interval) {
        scriptIntervalNanos = interval.toNanos();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }
}
