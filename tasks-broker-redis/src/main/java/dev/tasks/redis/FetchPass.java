package dev.tasks.redis;

import static dev.tasks.redis.QueueKeys.GROUP;

import dev.tasks.spi.Delivery;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * One pass of a fetch over its queues: reads (each one round trip) until {@code max} messages are taken or
 * no queue may have more. How a queue is read, when a quiet queue is probed and how {@code max} is shared
 * is explained in {@link MessageClaimer}. Used by one thread, once.
 */
final class FetchPass {
    static final LuaScript FETCH = LuaScript.load("fetch", "queue");

    /**
     * What a pass took. {@code wake} holds, for each queue that had nothing, what the fetch script said
     * about when to look again; {@code reclaimSkipped}: a script of the pass did not look for leases that
     * ran out, so the wait must not outlast the next look.
     */
    record Round(List<Delivery> deliveries, Map<String, FetchReply.Wake> wake, boolean reclaimSkipped) {}

    private final MessageClaimer claimer;
    private final UnifiedJedis j;
    private final List<String> order;
    private final Set<String> news;
    private final String consumer;
    private final long now;
    private final long scriptIntervalNanos;
    private final boolean probeQuiet;
    private final Set<String> exhausted = new LinkedHashSet<>();
    private final Map<String, FetchReply.Wake> wake = new HashMap<>();
    private boolean reclaimSkipped;
    /** Quiet queues to probe in the next read, and those whose probe may wait (see {@link #setAsideQuiet}). */
    private final List<String> probes = new ArrayList<>();
    private final List<String> later = new ArrayList<>();
    private final List<Delivery> out;
    private int left;

    /**
     * @param order the queues, in the order they are offered (see {@link MessageClaimer})
     * @param news the queues a blocking read saw get messages
     * @param probeQuiet whether quiet queues are probed even when the pass takes nothing: the fetch will
     *     not wait on them all after this pass
     */
    FetchPass(MessageClaimer claimer, UnifiedJedis j, List<String> order, Set<String> news, int max,
            String consumer, long now, boolean probeQuiet) {
        this.probeQuiet = probeQuiet;
        this.claimer = claimer;
        this.j = j;
        this.order = order;
        this.news = news;
        this.consumer = consumer;
        this.now = now;
        this.scriptIntervalNanos = claimer.scriptIntervalNanos();
        this.out = new ArrayList<>(Math.min(max, 256));
        this.left = max;
    }

    Round run() {
        setAsideQuiet();
        while (left > 0) {
            List<String> candidates = new ArrayList<>();
            for (String q : order) {
                if (!exhausted.contains(q)) {
                    candidates.add(q);
                }
            }
            if (candidates.isEmpty() && probes.isEmpty()) {
                // Nothing taken and the fetch is to wait: its wait watches the quiet queues (see MessageClaimer).
                if (later.isEmpty() || (out.isEmpty() && !probeQuiet)) {
                    break;
                }
                probes.addAll(later);
                later.clear();
            } else if (!candidates.isEmpty()) {
                for (java.util.Iterator<String> it = later.iterator(); it.hasNext(); ) {
                    String q = it.next();
                    if (claimer.state(q).checkDue(System.nanoTime())) {
                        probes.add(q);
                        it.remove();
                    }
                }
            }
            read(candidates);
        }
        return new Round(out, wake, reclaimSkipped);
    }

    /**
     * Passes over the queues whose last script found nothing and that may still be quiet: they are probed
     * along with a read of other queues if their last check is
     * {@value MessageClaimer#DUE_CHECK_INTERVAL_MILLIS} ms old, and when those others filled part of the
     * fetch but cannot fill the rest. Unless {@code probeQuiet}, a pass that takes nothing probes none: the
     * fetch's wait that follows watches them.
     */
    private void setAsideQuiet() {
        long passNanos = System.nanoTime();
        for (String q : order) {
            QueueReadState st = claimer.state(q);
            FetchReply.Wake w = st.quiet;
            if (w == null) {
                continue;
            }
            if (news.contains(q) || !st.stillQuiet(w, passNanos, now)) {
                st.quiet = null;
                continue;
            }
            exhausted.add(q);
            wake.put(q, w);
            reclaimSkipped |= !st.reclaimedLast();
            (probeQuiet && st.checkDue(passNanos) ? probes : later).add(q);
        }
    }

    /** What one read sends, per queue, and the replies. */
    private static final class Read {
        final long nanos = System.nanoTime();
        final Map<String, Integer> direct = new LinkedHashMap<>();
        final List<String> dueChecks = new ArrayList<>();
        final Map<String, Integer> scripted = new LinkedHashMap<>();
        final Map<String, ScriptCall> calls = new HashMap<>();
        final Map<String, Response<Object>> scriptReplies = new HashMap<>();
        final Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> reads = new LinkedHashMap<>();
        final Map<String, Response<Long>> dueCounts = new HashMap<>();
        final Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> probeNews = new HashMap<>();
    }

    /** One read: shares out what is left among {@code candidates}, sends it all in one round trip, takes. */
    private void read(List<String> candidates) {
        Read r = plan(candidates);
        // A quiet queue's probe is the same check for due delayed messages, plus whether entries came.
        r.dueChecks.addAll(probes);
        Set<String> touched = new LinkedHashSet<>(r.scripted.keySet());
        touched.addAll(r.direct.keySet());
        touched.addAll(r.dueChecks);
        Map<String, GroupedPipeline.Failure> failed = send(r, touched);
        for (String q : touched) {
            dropIfFailed(r, q, failed.get(q));
        }
        for (String q : r.dueChecks) {
            claimer.state(q).checked(r.nanos, r.dueCounts.get(q).get() > 0);
        }
        for (String q : probes) {
            if (cameToStreams(r.probeNews.get(q).get(), claimer.keys(q)) || claimer.state(q).due()) {
                // Something came: the queue is read (with the script) in the next read of this pass.
                claimer.state(q).quiet = null;
                exhausted.remove(q);
                wake.remove(q);
            }
        }
        probes.clear();
        left -= takeDirect(r.direct, r.reads);
        r.scripted.forEach((q, share) -> takeScripted(q, share, r.calls.get(q), r.scriptReplies.get(q)));
    }

    /**
     * Whether a probe's reply names a message stream. An entry of the wake stream alone is not news here: the
     * probe's own check of due delayed messages stands in for it.
     */
    private static boolean cameToStreams(List<Map.Entry<String, List<StreamEntry>>> came, QueueKeys k) {
        if (came != null) {
            for (Map.Entry<String, List<StreamEntry>> e : came) {
                if (!e.getKey().equals(k.wake()) && !e.getValue().isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Splits what is left among the first queues of {@code candidates}: a direct read or the script each. */
    private Read plan(List<String> candidates) {
        Read r = new Read();
        int serve = MessageClaimer.served(candidates.size(), left);
        int base = serve == 0 ? 0 : left / serve;
        int extra = serve == 0 ? 0 : left % serve;
        for (int i = 0; i < serve; i++) {
            int share = base + (i < extra ? 1 : 0);
            if (share == 0) {
                continue;
            }
            String q = candidates.get(i);
            QueueReadState st = claimer.state(q);
            if (st.readsDirect(r.nanos, scriptIntervalNanos)) {
                r.direct.put(q, share);
                if (st.checkDue(r.nanos)) {
                    r.dueChecks.add(q);
                }
                continue;
            }
            boolean reclaim = st.reclaimDue(r.nanos);
            reclaimSkipped |= !reclaim;
            r.calls.put(q, new ScriptCall(FETCH, claimer.keys(q).all(), List.of(Long.toString(now),
                    Integer.toString(share), GROUP, consumer, Integer.toString(MessageClaimer.MOVE_BATCH),
                    reclaim ? "1" : "0")));
            r.scripted.put(q, share);
            st.scripted(r.nanos, reclaim);
        }
        return r;
    }

    /**
     * Sends the read in one round trip (one per node on a Cluster, each queue's commands in one group): the
     * scripts, the plain reads, the checks (and the quiet queues' probes), and the revocations' version.
     * Returns the failures of the queues' groups, by queue (none where it answered).
     */
    private Map<String, GroupedPipeline.Failure> send(Read r, Set<String> touched) {
        List<Response<String>> version = new ArrayList<>(1);
        String dueBy = Long.toString(now);
        GroupedPipeline pipeline = new GroupedPipeline();
        Map<String, Integer> groupOf = new HashMap<>();
        for (String q : touched) {
            QueueKeys k = claimer.keys(q);
            groupOf.put(q, pipeline.add(k.delayed(), p -> queueCommands(p, r, q, k, dueBy)));
        }
        RedisControlStore control = claimer.control();
        int versionGroup = pipeline.add(control.versionKey(), p -> version.add(p.get(control.versionKey())));
        GroupedPipeline.Failure[] failed = pipeline.run(j, claimer.guard()::nodeFailed, true);
        if (failed[versionGroup] == null) {
            control.observed(version.get(0).get());
        } else {
            control.versionUnknown();
        }
        Map<String, GroupedPipeline.Failure> byQueue = new HashMap<>();
        groupOf.forEach((q, g) -> {
            if (failed[g] != null) {
                byQueue.put(q, failed[g]);
            }
        });
        return byQueue;
    }

    private void queueCommands(AbstractPipeline p, Read r, String q, QueueKeys k, String dueBy) {
        ScriptCall call = r.calls.get(q);
        if (call != null) {
            r.scriptReplies.put(q, call.queue(p));
        }
        Integer share = r.direct.get(q);
        if (share != null) {
            r.reads.put(q, p.xreadGroup(GROUP, consumer, XReadGroupParams.xReadGroupParams().count(share),
                    k.unread()));
        }
        if (r.dueChecks.contains(q)) {
            r.dueCounts.put(q, p.zcount(k.delayed(), "-inf", dueBy));
        }
        if (probes.contains(q)) {
            Map<String, StreamEntryID> after = new LinkedHashMap<>();
            wake.get(q).addStreams(after, k);
            r.probeNews.put(q, p.xread(XReadParams.xReadParams().count(1), after));
        }
    }

    /**
     * Puts a queue aside (see {@link QueueOutages}) if its node failed, or its slot has no live master yet
     * ({@code CLUSTERDOWN}) or moved; the other queues go on.
     */
    private void dropIfFailed(Read r, String q, GroupedPipeline.Failure nodeFailure) {
        JedisException why = nodeFailure != null ? nodeFailure.cause()
                : topologyChange(r.scriptReplies.get(q), r.reads.get(q), r.dueCounts.get(q), r.probeNews.get(q));
        QueueOutages outages = claimer.outages();
        if (why == null) {
            outages.answered(q);
            return;
        }
        if (nodeFailure == null) {
            claimer.guard().topologyChanged(why);
        }
        outages.failed(q, why);
        later.remove(q);
        r.direct.remove(q);
        r.scripted.remove(q);
        r.dueChecks.remove(q);
        probes.remove(q);
        exhausted.add(q);
        wake.remove(q);
        claimer.state(q).quiet = null;
    }

    /** The first of these replies (null: not sent) saying the Cluster's topology changes, else null. */
    private static JedisDataException topologyChange(Response<?>... replies) {
        for (Response<?> r : replies) {
            if (r == null) {
                continue;
            }
            try {
                r.get();
            } catch (JedisDataException e) {
                if (ConnectionGuard.isTopologyChange(e)) {
                    return e;
                }
            }
        }
        return null;
    }

    /** Takes what a queue's script leased; a queue that found nothing becomes quiet. */
    private void takeScripted(String q, int share, ScriptCall call, Response<Object> response) {
        FetchReply reply = FetchReply.parse(call.reply(j, response));
        for (FetchReply.Entry e : reply.entries()) {
            out.add(StreamEntries.toDelivery(q, e.stream(), e.id(), e.fields()));
        }
        int got = reply.entries().size();
        left -= got;
        QueueReadState st = claimer.state(q);
        st.direct = got == share && reply.streams() == 1;
        if (st.direct && !st.groupsReady) {
            createGroups(claimer.keys(q));
            st.groupsReady = true;
        }
        if (got < share) {
            exhausted.add(q);
        }
        st.quiet = null;
        if (got == 0) {
            wake.put(q, reply.wake());
            st.quiet(reply.wake(), now);
        }
    }

    /**
     * Takes what the direct reads gave; the surplus beyond a queue's share goes back at once (see
     * {@link MessageClaimer}). Returns how many were taken.
     */
    private int takeDirect(Map<String, Integer> shares,
            Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> responses) {
        int taken = 0;
        for (Map.Entry<String, Integer> e : shares.entrySet()) {
            String q = e.getKey();
            int share = e.getValue();
            QueueReadState st = claimer.state(q);
            List<Map.Entry<String, List<StreamEntry>>> reply;
            try {
                reply = Objects.requireNonNullElse(responses.get(q).get(), List.of());
            } catch (JedisDataException ex) {
                if (ex.getMessage() == null || !ex.getMessage().startsWith("NOGROUP")) {
                    throw ex;
                }
                // A stream was deleted from outside: the script creates it again.
                st.groupsReady = false;
                st.direct = false;
                continue;
            }
            QueueKeys k = claimer.keys(q);
            List<String> surplus = new ArrayList<>();
            int got = 0;
            for (Map.Entry<String, List<StreamEntry>> part : reply) {
                String stream = k.label(part.getKey());
                for (StreamEntry entry : part.getValue()) {
                    Delivery d = StreamEntries.toDelivery(q, stream, entry.getID().toString(), entry.getFields());
                    if (got < share) {
                        out.add(d);
                        got++;
                    } else {
                        surplus.add(Receipt.parse(d.receipt()).member());
                    }
                }
            }
            st.direct = got == share && surplus.isEmpty() && reply.size() == 1;
            if (!surplus.isEmpty()) {
                ScriptCall giveBack = MessageSettler.releaseCall(k, false, surplus);
                giveBack.script().eval(j, giveBack.keys(), giveBack.args());
            }
            taken += got;
        }
        return taken;
    }

    /** Creates the consumer group on each of a queue's streams that lacks it (and the stream with it). */
    private void createGroups(QueueKeys k) {
        List<Response<String>> created = new ArrayList<>();
        try (AbstractPipeline p = j.pipelined()) {
            for (String stream : k.unread().keySet()) {
                created.add(p.xgroupCreate(stream, GROUP, new StreamEntryID(), true));
            }
            p.sync();
        }
        for (Response<String> r : created) {
            try {
                r.get();
            } catch (JedisDataException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
        }
    }
}
