package dev.tasks.redis;

import static dev.tasks.redis.QueueKeys.GROUP;

import dev.tasks.BrokerException;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.Queues;
import dev.tasks.spi.support.GroupCommit;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XClaimParams;

/**
 * The settling side of a {@link RedisBroker}: ack, lease extension, release, retry and dead-lettering of
 * deliveries. Every delivery is its own stream entry (see {@link QueueKeys}), so an ack is a plain
 * {@code XACK} + {@code XDEL} of its entry, coalesced across concurrent calls into one pipeline (group
 * commit, like publish); a lease extension is {@code XCLAIM ... JUSTID} per stream in one pipeline; release
 * is one {@code release.lua} call per queue; retry and dead-lettering are one {@code settle.lua} call each.
 * All of them ignore a stale receipt (one whose message was redelivered since), and receipts that are not
 * this broker's; {@link #extendLeases} reports both lost. Thread-safe; arguments are checked by the broker.
 */
final class MessageSettler {
    /** Most deliveries one group-commit batch of acks carries (a larger single call goes alone). */
    static final int GROUP_ACK_MAX = 2000;
    private static final LuaScript RELEASE = LuaScript.load("release", "queue");
    private static final LuaScript SETTLE = LuaScript.load("settle", "queue");
    private static final Logger log = LogSafe.logger(RedisBroker.class);

    private final ConnectionGuard guard;
    private final Clock clock;
    private final Keyspace keys;
    private final GroupCommit<AckRequest> acks = new GroupCommit<>(this::sendAcks, GROUP_ACK_MAX);

    MessageSettler(ConnectionGuard guard, Clock clock, Keyspace keys) {
        this.guard = guard;
        this.clock = clock;
        this.keys = keys;
    }

    /**
     * Acknowledges the deliveries. A call that finds another ack in flight waits for it, then its receipts
     * go out with those of the other waiting calls in one pipeline: per stream an {@code XACK} and an
     * {@code XDEL} of the deliveries' entries (which ends their leases; a stale receipt names an entry that
     * is already gone and changes nothing). Returns only after its own deliveries were acknowledged, and
     * throws only if a command covering one of its queues failed.
     */
    void ack(Collection<Delivery> deliveries) {
        Map<String, List<String>> byQueue = membersByQueue(deliveries);
        if (byQueue.isEmpty()) {
            return;
        }
        acks.submit(new AckRequest(deliveries.size(), byQueue), deliveries.size());
    }

    /** One caller's ack: members by queue. */
    private record AckRequest(int count, Map<String, List<String>> byQueue) {}

    private List<RuntimeException> sendAcks(List<AckRequest> batch) {
        Map<String, List<String>> merged = new LinkedHashMap<>();
        int total = 0;
        for (AckRequest r : batch) {
            total += r.count();
            r.byQueue().forEach((q, members) -> merged.computeIfAbsent(q, x -> new ArrayList<>()).addAll(members));
        }
        Map<String, List<Response<Long>>> responses = new LinkedHashMap<>();
        Map<String, RuntimeException> failed = new HashMap<>();
        String what = "ack of " + total + " message(s) on " + merged.keySet();
        guard.run(what, true, j -> {
            responses.clear();
            failed.clear();
            GroupedPipeline pipeline = new GroupedPipeline();
            Map<String, Integer> groupOf = new HashMap<>();
            merged.forEach((q, members) -> groupOf.put(q, pipeline.add(keys.of(q).delayed(),
                    p -> responses.put(q, ackCommands(p, keys.of(q), members)))));
            GroupedPipeline.Failure[] nodeFailures = pipeline.run(j, guard::nodeFailed, false);
            groupOf.forEach((q, g) -> {
                if (nodeFailures[g] != null) {
                    responses.remove(q);
                    failed.put(q, nodeFailures[g].toException("ack on queue " + q, guard.where()));
                }
            });
            return null;
        });
        responses.forEach((q, list) -> {
            for (Response<Long> r : list) {
                try {
                    r.get();
                } catch (JedisDataException e) {
                    failed.putIfAbsent(q, guard.refusal(e));
                } catch (RuntimeException e) {
                    failed.putIfAbsent(q, e);
                }
            }
        });
        List<RuntimeException> outcomes = new ArrayList<>(batch.size());
        for (AckRequest r : batch) {
            RuntimeException failure = null;
            for (String q : r.byQueue().keySet()) {
                RuntimeException e = failed.get(q);
                if (e != null) {
                    failure = new BrokerException("Redis ack of " + r.count() + " message(s) on " + r.byQueue().keySet()
                            + " failed on " + guard.where() + ": " + e.getMessage(), e);
                    break;
                }
            }
            outcomes.add(failure);
        }
        return outcomes;
    }

    /** Queues the commands that acknowledge these members of one queue: XACK + XDEL per stream. */
    private static List<Response<Long>> ackCommands(AbstractPipeline p, QueueKeys k, List<String> members) {
        Map<String, List<StreamEntryID>> byStream = new HashMap<>();
        for (String m : members) {
            StreamEntryID id = new StreamEntryID(QueueKeys.entryIdOf(m));
            byStream.computeIfAbsent(k.streamOf(m), x -> new ArrayList<>()).add(id);
        }
        List<Response<Long>> out = new ArrayList<>(byStream.size() * 2);
        byStream.forEach((stream, ids) -> {
            StreamEntryID[] arr = ids.toArray(StreamEntryID[]::new);
            out.add(p.xack(stream, GROUP, arr));
            out.add(p.xdel(stream, arr));
        });
        return out;
    }

    /**
     * Extends the leases to {@code lease} from now; returns the receipts whose lease is lost (the message
     * was redelivered since, or the receipt is not this broker's). A node failure on a Cluster throws, even
     * if part of the leases were extended: the worker's next extension covers them all again.
     */
    Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        // Receipts by stream entry id, by stream; receipts that are not this broker's are lost at once.
        Set<String> lost = new LinkedHashSet<>();
        Map<String, Map<String, String>> byStream = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Objects.requireNonNull(d, "deliveries must not contain null");
            Receipt r = Receipt.parse(d.receipt());
            if (r == null || !keys.isValidQueue(d.queue())) {
                lost.add(d.receipt());
            } else {
                byStream.computeIfAbsent(keys.of(d.queue()).streamOf(r.member()), x -> new LinkedHashMap<>())
                        .put(r.entryId(), d.receipt());
            }
        }
        if (byStream.isEmpty()) {
            return Collections.unmodifiableSet(lost);
        }
        String consumer = QueueKeys.consumerFor(lease);
        Map<String, Response<List<StreamEntryID>>> claimed = new LinkedHashMap<>();
        String what = "lease extension of " + deliveries.size() + " message(s)";
        guard.run(what, true, j -> {
            GroupedPipeline pipeline = new GroupedPipeline();
            byStream.forEach((stream, receipts) -> pipeline.add(stream, p -> claimed.put(stream, p.xclaimJustId(stream,
                    GROUP, consumer, 0, XClaimParams.xClaimParams(), receipts.keySet().stream().map(StreamEntryID::new)
                            .toArray(StreamEntryID[]::new)))));
            for (GroupedPipeline.Failure f : pipeline.run(j, guard::nodeFailed, false)) {
                if (f != null) {
                    throw f.toException(what, guard.where());
                }
            }
            return null;
        });
        byStream.forEach((stream, receipts) -> {
            Map<String, String> notClaimed = new LinkedHashMap<>(receipts);
            for (StreamEntryID id : claimed.get(stream).get()) {
                notClaimed.remove(id.toString());
            }
            lost.addAll(notClaimed.values());
        });
        return Collections.unmodifiableSet(lost);
    }

    /** Delivers the messages again at once, keeping their delivery counts (the next delivery increments it). */
    void release(Collection<Delivery> deliveries) {
        Map<String, List<String>> byQueue = membersByQueue(deliveries);
        if (byQueue.isEmpty()) {
            return;
        }
        List<ScriptCall> calls = new ArrayList<>();
        byQueue.forEach((q, members) -> calls.add(releaseCall(keys.of(q), true, members)));
        guard.run("release of " + deliveries.size() + " message(s)", true, j -> ScriptCall.runAll(j, calls));
    }

    /**
     * The script call that delivers these members of a queue again at once; {@code counted}: as a delivery
     * (a release), or not (read beyond a fetch's share, never handed out).
     */
    static ScriptCall releaseCall(QueueKeys k, boolean counted, List<String> members) {
        List<String> args = new ArrayList<>(members.size() + 2);
        args.add(GROUP);
        args.add(counted ? "1" : "0");
        args.addAll(members);
        return new ScriptCall(RELEASE, k.all(), args);
    }

    /**
     * Ends the delivery and publishes its message again with {@code newPayload}, due after {@code delay}
     * (not negative), as a new message whose delivery count starts again. A stale or foreign receipt is
     * logged and ignored.
     */
    void retry(Delivery delivery, String newPayload, Duration delay) {
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null || !Queues.isValid(delivery.queue())) {
            log.warn("Ignoring retry of message {} on queue {}: its receipt '{}' is not from this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        long now = clock.millis();
        long due = delay.isZero() ? now : saturatedAdd(now, delay.toMillis());
        String id = delivery.messageId() != null ? delivery.messageId() : r.entryId();
        List<String> args = List.of(Long.toString(now), GROUP, r.member(), "retry", id, newPayload,
                Long.toString(due));
        Object res = guard.run("retry of message " + id + " on queue " + delivery.queue(), true,
                j -> SETTLE.eval(j, keys.of(delivery.queue()).all(), args));
        if (((Number) res).longValue() == 0) {
            log.info("Retry of message {} on queue {} not scheduled: its lease was lost and the message was "
                    + "redelivered, so another delivery is running it", id, delivery.queue());
        }
    }

    /**
     * Ends the delivery and moves its message to the queue's dead letters with {@code reason} (on one line).
     * A stale or foreign receipt is logged and ignored.
     */
    void deadLetter(Delivery delivery, String reason) {
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null || !Queues.isValid(delivery.queue())) {
            log.warn("Ignoring dead-lettering of message {} on queue {}: its receipt '{}' is not from this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        String oneLine = reason.replace('\r', ' ').replace('\n', ' ');
        List<String> args = List.of(Long.toString(clock.millis()), GROUP, r.member(), "dead", r.count(), oneLine,
                delivery.payload() == null ? "" : delivery.payload(),
                delivery.messageId() == null ? "" : delivery.messageId());
        Object res = guard.run("dead-lettering of message " + delivery.messageId() + " on queue " + delivery.queue(),
                true, j -> SETTLE.eval(j, keys.of(delivery.queue()).all(), args));
        if (((Number) res).longValue() == 0) {
            log.info("Message {} on queue {} not dead-lettered: its lease was lost and the message was redelivered",
                    delivery.messageId(), delivery.queue());
        }
    }

    /** Groups members by queue; receipts that are not this broker's are skipped. */
    private Map<String, List<String>> membersByQueue(Collection<Delivery> deliveries) {
        Map<String, List<String>> byQueue = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Objects.requireNonNull(d, "deliveries must not contain null");
            Receipt r = Receipt.parse(d.receipt());
            if (r == null || !keys.isValidQueue(d.queue())) {
                log.debug("Ignoring delivery with foreign receipt '{}' on queue {}", d.receipt(), d.queue());
                continue;
            }
            byQueue.computeIfAbsent(d.queue(), q -> new ArrayList<>()).add(r.member());
        }
        return byQueue;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : Math.min(r, QueueKeys.MAX_MILLIS);
    }
}
