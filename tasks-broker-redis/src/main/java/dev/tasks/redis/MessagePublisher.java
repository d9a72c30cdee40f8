package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.support.GroupCommit;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;

/**
 * The publishing side of a {@link RedisBroker}. Concurrent calls are coalesced (group commit): a call that
 * finds another publish in flight waits for it, then goes out together with the other calls that waited,
 * in one pipeline, where the messages of all those calls for one queue share script calls
 * ({@code publish.lua}) of up to {@value #PUBLISH_CHUNK} messages (so sixteen threads publishing one
 * message each cost one script call, not sixteen); a lone message due now is one plain {@code XADD}. Every
 * call returns only after its own messages were written, and throws if a command carrying one of its
 * messages failed; on a Cluster, a failed node fails only the calls with messages for the queues it
 * serves. A publish is never retried (it would duplicate). Thread-safe; arguments are checked by the broker.
 */
final class MessagePublisher {
    /** Most messages one script call carries. */
    static final int PUBLISH_CHUNK = 1000;
    /** Most messages one group-commit batch of publishes carries (a larger single call goes alone). */
    static final int GROUP_PUBLISH_MAX = 2000;
    private static final LuaScript PUBLISH = LuaScript.load("publish", "queue");
    private static final int PUBLISH_FIELDS = 5;

    private final ConnectionGuard guard;
    private final Clock clock;
    private final Keyspace keys;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final GroupCommit<PublishRequest> publishes = new GroupCommit<>(this::sendPublishes, GROUP_PUBLISH_MAX);

    MessagePublisher(ConnectionGuard guard, Clock clock, Keyspace keys) {
        this.guard = guard;
        this.clock = clock;
        this.keys = keys;
    }

    /** Publishes the messages (not empty, no nulls); returns when they are written. */
    void publish(List<OutboundMessage> messages) {
        long now = clock.millis();
        Map<String, List<String>> byQueue = new LinkedHashMap<>();
        for (OutboundMessage m : messages) {
            Objects.requireNonNull(m, "messages must not contain null");
            long due = m.notBefore() == null ? 0 : m.notBefore().toEpochMilli();
            List<String> args = byQueue.computeIfAbsent(m.queue(), q -> new ArrayList<>());
            args.add(m.id());
            args.add(Integer.toString(m.priority()));
            args.add(Long.toString(due));
            args.add(Long.toString(due > 0 ? due : now));
            args.add(m.payload());
        }
        register(byQueue.keySet());
        publishes.submit(new PublishRequest(messages.size(), now, byQueue), messages.size());
    }

    /** One caller's publish: per queue, its messages as groups of {@value #PUBLISH_FIELDS} script arguments. */
    private record PublishRequest(int count, long now, Map<String, List<String>> byQueue) {}

    /** A publish script call being filled: its arguments, and which requests' messages are in it. */
    private static final class PublishCall {
        final String queue;
        final List<String> args = new ArrayList<>();
        final Set<Integer> requests = new HashSet<>();

        PublishCall(String queue, String now) {
            this.queue = queue;
            args.add(now);
        }

        /** How many more arguments fit (messages times {@value MessagePublisher#PUBLISH_FIELDS}). */
        int room() {
            return PUBLISH_CHUNK * PUBLISH_FIELDS - (args.size() - 1);
        }
    }

    /**
     * Whether a request is one message due now: a plain {@code XADD} writes it (one command is atomic on its
     * own, and costs the server about half of what a script call costs per message).
     */
    private static boolean single(PublishRequest r) {
        if (r.count() != 1) {
            return false;
        }
        List<String> args = r.byQueue().values().iterator().next();
        long due = Long.parseLong(args.get(2));
        return due <= r.now();
    }

    private List<RuntimeException> sendPublishes(List<PublishRequest> batch) {
        long now = 0;
        int total = 0;
        for (PublishRequest r : batch) {
            now = Math.max(now, r.now());
            total += r.count();
        }
        // Script calls per queue, each of up to PUBLISH_CHUNK messages, remembering which requests fed each;
        // single messages due now go out as plain XADDs in the same pipeline.
        List<PublishCall> calls = new ArrayList<>();
        Map<String, PublishCall> open = new HashMap<>();
        List<Integer> singles = new ArrayList<>();
        Set<String> queues = new LinkedHashSet<>();
        String nowArg = Long.toString(now);
        for (int ri = 0; ri < batch.size(); ri++) {
            if (single(batch.get(ri))) {
                singles.add(ri);
                queues.addAll(batch.get(ri).byQueue().keySet());
                continue;
            }
            for (Map.Entry<String, List<String>> e : batch.get(ri).byQueue().entrySet()) {
                List<String> args = e.getValue();
                for (int from = 0; from < args.size(); ) {
                    PublishCall call = open.get(e.getKey());
                    if (call == null || call.room() == 0) {
                        call = new PublishCall(e.getKey(), nowArg);
                        calls.add(call);
                        open.put(e.getKey(), call);
                    }
                    int to = Math.min(args.size(), from + call.room());
                    call.args.addAll(args.subList(from, to));
                    call.requests.add(ri);
                    from = to;
                }
            }
        }
        queues.addAll(open.keySet());
        String what = batch.size() == 1 ? "publish of " + total + " message(s) to " + queues
                : "publish of " + total + " message(s) from " + batch.size() + " concurrent calls to " + queues;
        // Per queue one group (its script calls and single XADDs): on a Cluster a failed node fails only the
        // requests with messages for the queues it serves, and says whether they may have been written.
        List<ScriptCall> scripts = new ArrayList<>(calls.size());
        for (PublishCall call : calls) {
            scripts.add(new ScriptCall(PUBLISH, keys.of(call.queue).all(), call.args));
        }
        Object[] replies = new Object[calls.size()];
        Object[] added = new Object[singles.size()];
        guard.run(what, false, j -> {
            List<Response<Object>> scriptResponses = new ArrayList<>(Collections.nCopies(calls.size(), null));
            List<Response<StreamEntryID>> addResponses = new ArrayList<>(Collections.nCopies(singles.size(), null));
            GroupedPipeline pipeline = new GroupedPipeline();
            Map<String, Integer> groupOf = new HashMap<>();
            for (String queue : queues) {
                groupOf.put(queue, pipeline.add(keys.of(queue).delayed(), p -> {
                    for (int ci = 0; ci < calls.size(); ci++) {
                        if (calls.get(ci).queue.equals(queue)) {
                            scriptResponses.set(ci, scripts.get(ci).queue(p));
                        }
                    }
                    for (int si = 0; si < singles.size(); si++) {
                        Map.Entry<String, List<String>> e = batch.get(singles.get(si)).byQueue().entrySet().iterator()
                                .next();
                        if (e.getKey().equals(queue)) {
                            addResponses.set(si, p.xadd(keys.of(queue).stream(Integer.parseInt(e.getValue().get(1))),
                                    XAddParams.xAddParams(), singleFields(e.getValue())));
                        }
                    }
                }));
            }
            GroupedPipeline.Failure[] failed = pipeline.run(j, guard::nodeFailed, false);
            for (int ci = 0; ci < calls.size(); ci++) {
                PublishCall c = calls.get(ci);
                GroupedPipeline.Failure f = failed[groupOf.get(c.queue)];
                if (f != null) {
                    replies[ci] = f;
                    continue;
                }
                try {
                    replies[ci] = scripts.get(ci).reply(j, scriptResponses.get(ci));
                } catch (JedisDataException e) {
                    replies[ci] = guard.refusal(e);
                }
            }
            for (int si = 0; si < singles.size(); si++) {
                String queue = batch.get(singles.get(si)).byQueue().keySet().iterator().next();
                GroupedPipeline.Failure f = failed[groupOf.get(queue)];
                if (f != null) {
                    added[si] = f;
                    continue;
                }
                try {
                    added[si] = addResponses.get(si).get();
                } catch (JedisDataException e) {
                    added[si] = guard.refusal(e);
                }
            }
            return null;
        });
        RuntimeException[] failures = new RuntimeException[batch.size()];
        for (int i = 0; i < singles.size(); i++) {
            RuntimeException failure = publishFailure(batch.get(singles.get(i)), added[i]);
            if (failure != null) {
                failures[singles.get(i)] = failure;
            }
        }
        for (int ci = 0; ci < calls.size(); ci++) {
            for (int ri : calls.get(ci).requests) {
                if (failures[ri] == null) {
                    failures[ri] = publishFailure(batch.get(ri), replies[ci]);
                }
            }
        }
        return Arrays.asList(failures);
    }

    /** The fields of the stream entry of a single message (its publish arguments, see {@link #publish}). */
    private static Map<String, String> singleFields(List<String> a) {
        Map<String, String> fields = new LinkedHashMap<>(4);
        fields.put("id", a.get(0));
        fields.put("p", a.get(4));
        fields.put("t", a.get(3));
        return fields;
    }

    /** The failure of request {@code r} if the reply to one of its commands says it failed, else null. */
    private BrokerException publishFailure(PublishRequest r, Object reply) {
        if (reply instanceof GroupedPipeline.Failure f) {
            return f.toException("publish of " + r.count() + " message(s) to " + r.byQueue().keySet(),
                    guard.where());
        }
        if (reply instanceof RuntimeException e) {
            return new BrokerException("Redis publish of " + r.count() + " message(s) to " + r.byQueue().keySet()
                    + " failed on " + guard.where() + ": " + e.getMessage(), e);
        }
        return null;
    }

    /** Adds the queues not yet known to this broker to the set of queue names. */
    private void register(Collection<String> queues) {
        List<String> fresh = new ArrayList<>();
        for (String q : queues) {
            if (!registered.contains(q)) {
                fresh.add(q);
            }
        }
        if (!fresh.isEmpty()) {
            guard.run("registering queues " + fresh, true,
                    j -> j.sadd(keys.queuesKey(), fresh.toArray(String[]::new)));
            registered.addAll(fresh);
        }
    }
}
