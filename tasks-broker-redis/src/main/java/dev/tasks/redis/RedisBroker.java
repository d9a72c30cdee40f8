package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.Priority;
import dev.tasks.internal.GroupCommit;
import dev.tasks.internal.LogSafe;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.Queues;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The broker on Redis (6.2 or later; checked with 7.0): streams and consumer groups for ready messages and
 * leases, Lua scripts for every step that must be atomic. Works with a single server, Sentinel and Cluster.
 *
 * <p>Layout. Each queue has one stream per priority level (all ten levels of {@link Priority}), a stream of
 * redeliveries per level, a sorted set of delayed messages and a dead-letter stream. A delivery's lease is
 * its entry in the consumer group's pending list, held by a consumer named after the lease's length (see
 * {@link QueueKeys}). Every key of a queue carries the hash tag {@code {q:<queue>}} after the key prefix
 * (option {@value #OPTION_KEY_PREFIX}, default {@value #DEFAULT_KEY_PREFIX}), so a cluster keeps a queue in
 * one slot and several applications can share one Redis with different prefixes.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Publish: one script per queue and batch of up to {@value #PUBLISH_CHUNK} messages, all batches of
 *       one call in one pipeline; atomic per queue and batch, not across queues. Concurrent publish calls
 *       share round trips (group commit): while one is in flight, the calls that arrive wait and then go
 *       out together in the next pipeline; each returns when its own messages are written and fails only
 *       for its own. Acks are coalesced the same way.</li>
 *   <li>Fetch: the read is the lease ({@code XREADGROUP} puts each entry in the reading consumer's pending
 *       list), so a crash cannot lose a message between read and lease. A queue that filled its share
 *       from one stream last time is read with one plain {@code XREADGROUP COUNT n} of all its streams,
 *       highest level first (what it reads beyond its share from lower streams goes back at once, count
 *       unchanged, and the queue returns to the script); otherwise, and at least every
 *       {@value #SCRIPT_INTERVAL_MILLIS} ms, one script call per queue reads level by level and first moves
 *       due delayed messages to their streams and (at most every {@value #RECLAIM_INTERVAL_MILLIS} ms)
 *       redelivers messages whose lease ran out. A queue read without the script is asked every
 *       {@value #DUE_CHECK_INTERVAL_MILLIS} ms, with a plain {@code ZCOUNT} in the same pipeline, whether
 *       delayed messages came due; if so its next read is the script. A queue whose script found nothing
 *       is passed over until that answer is {@value #SCRIPT_INTERVAL_MILLIS} ms old or names a deadline
 *       that has been reached; meanwhile each fetch asks it, with a plain {@code XREAD} (from the last
 *       entries the script saw) and a {@code ZCOUNT} of due delayed messages, whether anything came, at
 *       least every {@value #DUE_CHECK_INTERVAL_MILLIS} ms and whenever the other queues cannot fill the
 *       fetch; what came is read in the same fetch. When nothing is due it blocks with
 *       {@code XREAD BLOCK}
 *       (at most {@code 500 ms} at a time, and never past the next delayed message or lease deadline) on
 *       the queues' streams, so a publish wakes it at once. The revocations' version is read in the same
 *       pipeline, so the worker's revocation check of the fetched batch needs no round trip (see
 *       {@link RedisControlStore}).</li>
 *   <li>Every delivery is its own stream entry and gets a fresh receipt naming it: a message is delivered
 *       again as a copy in its level's redelivery stream and its old entry deleted. Ack is therefore
 *       plain {@code XACK} + {@code XDEL} (so memory stays bounded), no script, coalesced across
 *       concurrent calls into one pipeline; lease extension is {@code XCLAIM ... JUSTID} per stream in one
 *       pipeline; retry, release and dead-letter are batched per queue into one script call. All of them
 *       ignore a stale receipt (one whose message was redelivered since); {@link #extendLeases} reports it
 *       lost. A lease that ran out stays acknowledgeable (and extendable) until the message is
 *       redelivered.</li>
 *   <li>Redelivery: a message whose lease ran out is redelivered once per expiry, its delivery count
 *       incremented. {@link #release} keeps the count (the next delivery increments it); {@link #retry}
 *       and {@link #replayDeadLetters} start a new message whose count starts again.</li>
 *   <li>Order and starvation: a fetch takes the highest level first and, within a level, redelivered
 *       messages before fresh ones in stream (publish) order. Priorities are strict: while level 9
 *       has due messages, level 0 gets nothing from that queue, so a constant flood of high-priority
 *       tasks starves lower ones; use a separate queue for work that must progress regardless.
 *       Several queues of one fetch are served fairly: {@code max} is split between them from a rotating
 *       start and what one queue cannot use goes to the others. With more than {@value #MIN_SHARE} queues a
 *       read serves {@code max(8, max / 8)} of them (a fetch of 64 from 100 queues reads 8 queues, 8 each,
 *       not 64 queues one message each) and the start moves on by the queues served; a fetch woken by a
 *       publish reads the queue that got it first.</li>
 *   <li>Entries written to a stream by something else (missing fields, not JSON) are delivered with the
 *       payload they have (empty if none), so the worker dead-letters them; they never break a fetch.</li>
 *   <li>Scripts are called by SHA ({@code EVALSHA}) and loaded again when the server answers
 *       {@code NOSCRIPT} (restart, {@code SCRIPT FLUSH}, failover).</li>
 *   <li>Leases are timed by the server (the pending entry's idle time); due times, publish and
 *       dead-letter times and store expiry come from the broker's {@link Clock}.</li>
 *   <li>Connection loss: the failing call throws {@link BrokerException} (the cause is the driver's
 *       exception; an ack that threw may not have happened). Operations that are safe to repeat are
 *       retried once on a fresh connection first; publish is not (it would duplicate). Later calls
 *       reconnect, a fetch waiting out an exponential backoff (100 ms to 5 s; to 1 s on a Cluster or under
 *       Sentinel, which fail over within seconds) between attempts.</li>
 *   <li>Cluster failover: every call groups its commands by node ({@link GroupedPipeline}), so a node that
 *       fails fails only the calls and queues it serves: a fetch returns what the other nodes gave and
 *       passes over the failed node's queues for a moment ({@link QueueOutages}); a publish fails only for
 *       the messages of those queues, saying whether they may have been written. Every connection failure,
 *       {@code MOVED}, {@code ASK} and {@code CLUSTERDOWN} renews the slot map, so producers and workers
 *       find the promoted replica without a restart.</li>
 * </ul>
 * Thread-safe. After {@link #close()}, operations throw {@link IllegalStateException}.
 */
public final class RedisBroker implements Broker {

    /** Option naming the prefix of every key: {@value}. */
    public static final String OPTION_KEY_PREFIX = "redis.keyPrefix";
    /** Option for the maximum number of pooled connections: {@value}. */
    public static final String OPTION_POOL_SIZE = "redis.poolSize";
    /** Option for the connect and read timeout (ISO-8601 like {@code PT2S}, or milliseconds): {@value}. */
    public static final String OPTION_TIMEOUT = "redis.timeout";
    /** Option for the client name shown by {@code CLIENT LIST}: {@value}. */
    public static final String OPTION_CLIENT_NAME = "redis.clientName";
    /** Environment variable read for the password when the URL has none: {@value}. */
    public static final String ENV_PASSWORD = "TASKS_REDIS_PASSWORD";

    /** Default key prefix: {@value}. */
    public static final String DEFAULT_KEY_PREFIX = "tasks";
    /** Default maximum number of pooled connections: {@value}. */
    public static final int DEFAULT_POOL_SIZE = 16;
    /** Default connect and read timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Default client name: {@value}. */
    public static final String DEFAULT_CLIENT_NAME = "tasks";

    static final String GROUP = "tasks";
    static final int PUBLISH_CHUNK = 1000;
    static final int MOVE_BATCH = 1000;
    static final int REPLAY_CHUNK = 1000;
    static final int PURGE_CHUNK = 5000;
    static final long MAX_BLOCK_MILLIS = 500;
    /**
     * How long a busy queue may be read without the fetch script (which reclaims leases that ran out, and
     * moves due delayed messages: whether any are due is asked every {@value #DUE_CHECK_INTERVAL_MILLIS} ms
     * with a plain {@code ZCOUNT}, and the script runs at the next read when some are).
     */
    static final long SCRIPT_INTERVAL_MILLIS = 1000;
    /** How often a busy queue read without the script is asked whether delayed messages came due. */
    static final long DUE_CHECK_INTERVAL_MILLIS = 50;
    private static final long DUE_CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(DUE_CHECK_INTERVAL_MILLIS);
    /** How often the fetch script looks for leases that ran out (it scans the deliveries held). */
    static final long RECLAIM_INTERVAL_MILLIS = 50;
    private static final long RECLAIM_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(RECLAIM_INTERVAL_MILLIS);
    /** Most messages one group-commit batch of publishes carries (a larger single call goes alone). */
    static final int GROUP_PUBLISH_MAX = 2000;
    /** Most deliveries one group-commit batch of acks carries (a larger single call goes alone). */
    static final int GROUP_ACK_MAX = 2000;
    /** Attempts of one plain command on a Cluster (the driver's default is 5, over up to 5 timeouts). */
    static final int CLUSTER_MAX_ATTEMPTS = 3;

    private static final Logger log = LogSafe.logger(RedisBroker.class);

    static final LuaScript PUBLISH = LuaScript.load("publish");
    static final LuaScript FETCH = LuaScript.load("fetch", "queue");
    static final LuaScript RELEASE = LuaScript.load("release", "queue");
    static final LuaScript SETTLE = LuaScript.load("settle", "queue");
    static final LuaScript REPLAY = LuaScript.load("replay");
    static final LuaScript PURGE = LuaScript.load("purge", "queue");
    static final LuaScript DEAD_PURGE = LuaScript.load("dead_purge");
    static final LuaScript STATS = LuaScript.load("stats", "queue");

    private final ConnectionGuard guard;
    private final boolean ownsClient;
    private final boolean cluster;
    private final Clock clock;
    private final String keyPrefix;
    private final String description;
    private final String queuesKey;
    private final Map<String, QueueKeys> keys = new ConcurrentHashMap<>();
    private final Map<String, QueueState> states = new ConcurrentHashMap<>();
    private volatile long scriptIntervalNanos = TimeUnit.MILLISECONDS.toNanos(SCRIPT_INTERVAL_MILLIS);
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger fairnessCursor = new AtomicInteger();
    private final RedisIdempotencyStore idempotency;
    private final RedisLeaderLock leaderLock;
    private final RedisStateStore state;
    private final RedisResultStore results;
    private final GroupCommit<PublishRequest> publishes = new GroupCommit<>(this::sendPublishes, GROUP_PUBLISH_MAX);
    private final GroupCommit<AckRequest> acks = new GroupCommit<>(this::sendAcks, GROUP_ACK_MAX);
    private final RedisControlStore control;
    private final QueueOutages outages;
    private final java.util.Optional<dev.tasks.spi.WorkerLayouts> layouts;
    private final java.util.Optional<dev.tasks.spi.WorkerDirectory> workers;

    private RedisBroker(UnifiedJedis jedis, boolean ownsClient, String description, Clock clock, String keyPrefix) {
        this.guard = new ConnectionGuard(jedis, description);
        this.ownsClient = ownsClient;
        this.cluster = jedis instanceof RedisClusterClient;
        this.clock = clock;
        this.keyPrefix = keyPrefix;
        this.description = description;
        this.queuesKey = keyPrefix + ":queues";
        this.idempotency = new RedisIdempotencyStore(guard, clock, keyPrefix);
        this.leaderLock = new RedisLeaderLock(guard, clock, keyPrefix);
        this.state = new RedisStateStore(guard, clock, keyPrefix);
        this.results = new RedisResultStore(guard, clock, keyPrefix);
        this.control = new RedisControlStore(guard, clock, keyPrefix);
        this.outages = new QueueOutages(description);
        this.layouts = java.util.Optional.of(new RedisWorkerLayouts(guard, clock, keyPrefix));
        this.workers = java.util.Optional.of(new RedisWorkerDirectory(guard, clock, keyPrefix));
    }

    /** A builder; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The prefix of every key this broker uses. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public String describe() {
        return description + " (key prefix '" + keyPrefix + "')";
    }

    @Override
    public String toString() {
        return "RedisBroker[" + describe() + "]";
    }

    // ---------------------------------------------------------------- publish

    /**
     * Publishes the messages. Concurrent calls are coalesced (group commit): a call that finds another
     * publish in flight waits for it, then goes out together with the other calls that waited, in one
     * pipeline, where the messages of all those calls for one queue share script calls of up to
     * {@value #PUBLISH_CHUNK} messages (so sixteen threads publishing one message each cost one script
     * call, not sixteen). Every call returns only after its own messages were written, and throws if a
     * script call carrying one of its messages failed.
     */
    @Override
    public void publish(List<OutboundMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        guard.ensureOpen();
        if (messages.isEmpty()) {
            return;
        }
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

    private static final int PUBLISH_FIELDS = 5;

    /** A publish script call being filled: its arguments, and which requests' messages are in it. */
    private static final class PublishCall {
        final String queue;
        final List<String> args = new ArrayList<>();
        final Set<Integer> requests = new HashSet<>();

        PublishCall(String queue, String now) {
            this.queue = queue;
            args.add(now);
        }

        /** How many more arguments fit (messages times {@value RedisBroker#PUBLISH_FIELDS}). */
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
            scripts.add(new ScriptCall(PUBLISH, keys(call.queue).all(), call.args));
        }
        Object[] replies = new Object[calls.size()];
        Object[] added = new Object[singles.size()];
        guard.run(what, false, j -> {
            List<Response<Object>> scriptResponses = new ArrayList<>(Collections.nCopies(calls.size(), null));
            List<Response<StreamEntryID>> addResponses = new ArrayList<>(Collections.nCopies(singles.size(), null));
            GroupedPipeline pipeline = new GroupedPipeline();
            Map<String, Integer> groupOf = new HashMap<>();
            for (String queue : queues) {
                groupOf.put(queue, pipeline.add(keys(queue).delayed(), p -> {
                    for (int ci = 0; ci < calls.size(); ci++) {
                        if (calls.get(ci).queue.equals(queue)) {
                            scriptResponses.set(ci, scripts.get(ci).queue(p));
                        }
                    }
                    for (int si = 0; si < singles.size(); si++) {
                        Map.Entry<String, List<String>> e = batch.get(singles.get(si)).byQueue().entrySet().iterator()
                                .next();
                        if (e.getKey().equals(queue)) {
                            addResponses.set(si, p.xadd(keys(queue).stream(Integer.parseInt(e.getValue().get(1))),
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
                    replies[ci] = refusal(e);
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
                    added[si] = refusal(e);
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
        return java.util.Arrays.asList(failures);
    }

    /** An error reply to a command (which did not run); on a Cluster in transition, renews the slot map. */
    private JedisDataException refusal(JedisDataException e) {
        if (ConnectionGuard.isTopologyChange(e)) {
            guard.topologyChanged(e);
        }
        return e;
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
            return publishFailure(r, e);
        }
        return null;
    }

    private BrokerException publishFailure(PublishRequest r, RuntimeException e) {
        return new BrokerException("Redis publish of " + r.count() + " message(s) to " + r.byQueue().keySet()
                + " failed on " + guard.where() + ": " + e.getMessage(), e);
    }

    private void register(Collection<String> queues) {
        List<String> fresh = new ArrayList<>();
        for (String q : queues) {
            if (!registered.contains(q)) {
                fresh.add(q);
            }
        }
        if (!fresh.isEmpty()) {
            guard.run("registering queues " + fresh, true, j -> j.sadd(queuesKey, fresh.toArray(String[]::new)));
            registered.addAll(fresh);
        }
    }

    // ---------------------------------------------------------------- fetch

    @Override
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        Objects.requireNonNull(queues, "queues");
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("queues must not be empty");
        }
        queues.forEach(Queues::check);
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        positive(lease, "lease");
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("wait must be >= 0, was " + wait);
        }
        guard.ensureOpen();
        List<String> names = List.copyOf(new LinkedHashSet<>(queues));
        long start = System.nanoTime();
        long deadline = start + saturatedNanos(wait);
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
            Round round = guard.run("fetch from " + names, true, j -> takeRound(j, names, first, max, lease, now));
            if (!round.deliveries.isEmpty()) {
                return round.deliveries;
            }
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMillis <= 0) {
                return List.of();
            }
            if (round.wake.isEmpty() && outages.any()) {
                // Every queue that answered has messages being read elsewhere, or none answered (their nodes
                // failed): wait for the next attempt on a failed queue, not for news.
                long until = Math.min(deadline, outages.nextAttemptNanos(deadline));
                if (!ConnectionGuard.sleep(Math.min(until - System.nanoTime(),
                        TimeUnit.MILLISECONDS.toNanos(MAX_BLOCK_MILLIS)))) {
                    return List.of();
                }
                news = Set.of();
                continue;
            }
            long block = Math.min(remainingMillis,
                    round.reclaimSkipped ? RECLAIM_INTERVAL_MILLIS : MAX_BLOCK_MILLIS);
            for (String[] w : round.wake.values()) {
                block = Math.min(block, untilMillis(w[0], now));
                block = Math.min(block, untilMillis(w[1], now));
            }
            long blockMillis = Math.max(1, block);
            if (guard.isClosed()) {
                return List.of();
            }
            news = guard.run("waiting for messages on " + names, true,
                    j -> awaitNews(j, names, round.wake, blockMillis));
        }
    }

    private static long untilMillis(String deadline, long now) {
        if (deadline == null || deadline.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return (long) Double.parseDouble(deadline) - now;
    }

    /**
     * Blocks on the queues' streams until an entry is added after the last ones seen, or the time is up;
     * returns the queues that got one (the next pass reads them first).
     */
    private Set<String> awaitNews(UnifiedJedis j, List<String> names, Map<String, String[]> wake, long blockMillis) {
        List<String> watched = names;
        long block = blockMillis;
        if (cluster && names.size() > 1) {
            // Streams of different queues live in different slots: watch one queue (rotating) briefly, one
            // that answered; a node failure there only puts that queue aside (see QueueOutages).
            String q = watchable(names, wake);
            if (q == null) {
                return Set.of();
            }
            try {
                return awaitNews(j, List.of(q), wake, Math.min(block, 100));
            } catch (JedisException e) {
                if (!ConnectionGuard.isConnectionFailure(e)) {
                    throw e;
                }
                outages.failed(q, e);
                guard.nodeFailed(e);
                return Set.of();
            }
        }
        Map<String, StreamEntryID> streams = new LinkedHashMap<>();
        Map<String, String> queueOf = new HashMap<>();
        for (String q : watched) {
            String[] w = wake.get(q);
            if (w == null) {
                return Set.of();
            }
            for (String stream : addAfter(streams, keys(q), w)) {
                queueOf.put(stream, q);
            }
        }
        List<Map.Entry<String, List<StreamEntry>>> got =
                j.xread(XReadParams.xReadParams().count(1).block((int) block), streams);
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
    private String watchable(List<String> names, Map<String, String[]> wake) {
        int start = Math.floorMod(fairnessCursor.get(), names.size());
        for (int i = 0; i < names.size(); i++) {
            String q = names.get((start + i) % names.size());
            if (wake.containsKey(q)) {
                return q;
            }
        }
        return null;
    }

    /**
     * Adds each stream of a queue mapped to the last entry the fetch script saw in it (its {@code wake}
     * answer), so that {@code XREAD} from there returns only what came since; returns the streams added.
     */
    private static List<String> addAfter(Map<String, StreamEntryID> streams, QueueKeys k, String[] wake) {
        List<String> added = new ArrayList<>(2 * QueueKeys.LEVELS);
        for (int level = 0; level < QueueKeys.LEVELS; level++) {
            streams.put(k.stream(level), new StreamEntryID(wake[2 + level]));
            streams.put(k.redelivered(level), new StreamEntryID(wake[2 + QueueKeys.LEVELS + level]));
            added.add(k.stream(level));
            added.add(k.redelivered(level));
        }
        return added;
    }

    /**
     * What one pass took. {@code wake} holds, for each queue that had nothing, what the fetch script said
     * about when to look again; {@code reclaimSkipped}: a script of the pass did not look for leases that
     * ran out, so the wait must not outlast the next look.
     */
    private record Round(List<Delivery> deliveries, Map<String, String[]> wake, boolean reclaimSkipped) {}

    /** What the fetcher knows of one queue between rounds. */
    private static final class QueueState {
        /** The last read filled the queue's share from one stream: the next may read without the script. */
        volatile boolean direct;
        /** The group exists on all of the queue's streams, so one command can read them all. */
        volatile boolean groupsReady;
        /** {@link System#nanoTime()} of the last fetch script, and of the last one that reclaimed leases. */
        volatile long scriptedAt;
        volatile long reclaimedAt;
        /**
         * {@link System#nanoTime()} of the last script or plain check of the queue (whether delayed messages
         * came due and, for a quiet queue, whether entries came).
         */
        volatile long checkedAt;
        /** That check found due delayed messages: the next read runs the script, which moves them. */
        volatile boolean due;
        /**
         * The queue's last fetch script found nothing: its answer on when to look again (see fetch.lua), else
         * null. Until that answer is {@value #SCRIPT_INTERVAL_MILLIS} ms old or one of its deadlines is
         * reached, a pass asks with plain commands whether anything came since, instead of the script.
         */
        volatile String[] quiet;

        QueueState() {
            long longAgo = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
            scriptedAt = longAgo;
            reclaimedAt = longAgo;
            checkedAt = longAgo;
        }

        /** The last script looked for leases that ran out (so a quiet answer holds the next lease deadline). */
        boolean reclaimedLast() {
            return reclaimedAt == scriptedAt;
        }
    }

    private QueueState state(String queue) {
        return states.computeIfAbsent(queue, q -> new QueueState());
    }

    /** The consumer whose pending entries are leased for this long (see {@link QueueKeys}). */
    static String consumerFor(Duration lease) {
        return "l" + Math.min(lease.toMillis(), MAX_MILLIS);
    }

    /**
     * How many queues one read of a pass serves at least (all of them when there are fewer), and the share a
     * queue gets when a fetch is large enough: with many queues, a fetch of 64 goes to 8 of them, 8 each,
     * not 1 to each of 64 (a read, an {@code XACK} and an {@code XDEL} per task). The start rotates by the
     * queues served, so over successive fetches every queue is served alike.
     */
    static final int MIN_SHARE = 8;

    /** How many queues the first read of a pass for {@code max} serves, out of {@code queues}. */
    static int served(int queues, int max) {
        return Math.min(queues, Math.max(MIN_SHARE, max / MIN_SHARE));
    }

    /**
     * One fair pass over the queues: {@code max} is split between the queues that may still have messages
     * (the queues in {@code news} first, which a blocking read saw get messages, then from a rotating start;
     * see {@link #MIN_SHARE}). A queue whose last read filled its share from one stream, whose fetch script
     * ran less than {@value #SCRIPT_INTERVAL_MILLIS} ms ago and which had no due delayed messages when last
     * asked is read with one plain {@code XREADGROUP} of all its streams (highest level first; the
     * consumer's pending list is the lease), and asked again (a {@code ZCOUNT}) when that was
     * {@value #DUE_CHECK_INTERVAL_MILLIS} ms ago; the others get the fetch script, which also moves due
     * delayed messages and reclaims leases that ran out. What a queue could not use is offered to the others
     * in the next pass.
     */
    private Round takeRound(UnifiedJedis j, List<String> names, Set<String> news, int max, Duration lease,
            long now) {
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
        String consumer = consumerFor(lease);
        Set<String> exhausted = new LinkedHashSet<>();
        Map<String, String[]> wake = new HashMap<>();
        boolean reclaimSkipped = false;
        // Queues whose script just found nothing are asked with plain commands whether anything came since:
        // at least every DUE_CHECK_INTERVAL, and whenever the other queues cannot fill the fetch.
        List<String> probes = new ArrayList<>();
        List<String> later = new ArrayList<>();
        long passNanos = System.nanoTime();
        for (String q : order) {
            QueueState st = state(q);
            String[] w = st.quiet;
            if (w == null) {
                continue;
            }
            if (news.contains(q) || !stillQuiet(st, w, passNanos, now)) {
                st.quiet = null;
                continue;
            }
            exhausted.add(q);
            wake.put(q, w);
            reclaimSkipped |= !st.reclaimedLast();
            (passNanos - st.checkedAt >= DUE_CHECK_INTERVAL_NANOS ? probes : later).add(q);
        }
        List<Delivery> out = new ArrayList<>(Math.min(max, 256));
        int left = max;
        while (left > 0) {
            List<String> candidates = new ArrayList<>();
            for (String q : order) {
                if (!exhausted.contains(q)) {
                    candidates.add(q);
                }
            }
            if (candidates.isEmpty() && probes.isEmpty()) {
                if (later.isEmpty()) {
                    break;
                }
                probes.addAll(later);
                later.clear();
            }
            int serve = served(candidates.size(), left);
            int base = serve == 0 ? 0 : left / serve;
            int extra = serve == 0 ? 0 : left % serve;
            long nanos = System.nanoTime();
            Map<String, Integer> direct = new LinkedHashMap<>();
            List<String> dueChecks = new ArrayList<>();
            Map<String, Integer> scripted = new LinkedHashMap<>();
            Map<String, ScriptCall> calls = new HashMap<>();
            for (int i = 0; i < serve; i++) {
                int share = base + (i < extra ? 1 : 0);
                if (share == 0) {
                    continue;
                }
                String q = candidates.get(i);
                QueueState st = state(q);
                if (st.direct && st.groupsReady && !st.due && nanos - st.scriptedAt < scriptIntervalNanos) {
                    direct.put(q, share);
                    if (nanos - st.checkedAt >= DUE_CHECK_INTERVAL_NANOS) {
                        dueChecks.add(q);
                    }
                    continue;
                }
                boolean reclaim = nanos - st.reclaimedAt >= RECLAIM_INTERVAL_NANOS;
                reclaimSkipped |= !reclaim;
                calls.put(q, new ScriptCall(FETCH, keys(q).all(), List.of(Long.toString(now), Integer.toString(share),
                        GROUP, consumer, Integer.toString(MOVE_BATCH), reclaim ? "1" : "0")));
                scripted.put(q, share);
                st.scriptedAt = nanos;
                st.checkedAt = nanos;
                st.due = false;
                if (reclaim) {
                    st.reclaimedAt = nanos;
                }
            }
            // A quiet queue's probe is the same check for due delayed messages, plus whether entries came.
            dueChecks.addAll(probes);
            // One round trip (one per node on a Cluster, each queue's commands in one group): the scripts, the
            // plain reads, the checks (and the quiet queues' probes), and the revocations' version.
            Map<String, Response<Object>> scriptReplies = new HashMap<>();
            Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> reads = new LinkedHashMap<>();
            Map<String, Response<Long>> dueCounts = new HashMap<>();
            Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> probeNews = new HashMap<>();
            List<Response<String>> version = new ArrayList<>(1);
            String dueBy = Long.toString(now);
            Set<String> touched = new LinkedHashSet<>(scripted.keySet());
            touched.addAll(direct.keySet());
            touched.addAll(dueChecks);
            GroupedPipeline pipeline = new GroupedPipeline();
            Map<String, Integer> groupOf = new HashMap<>();
            for (String q : touched) {
                groupOf.put(q, pipeline.add(keys(q).delayed(), p -> {
                    ScriptCall call = calls.get(q);
                    if (call != null) {
                        scriptReplies.put(q, call.queue(p));
                    }
                    Integer share = direct.get(q);
                    if (share != null) {
                        reads.put(q, p.xreadGroup(GROUP, consumer, XReadGroupParams.xReadGroupParams().count(share),
                                keys(q).unread()));
                    }
                    if (dueChecks.contains(q)) {
                        dueCounts.put(q, p.zcount(keys(q).delayed(), "-inf", dueBy));
                    }
                    if (probes.contains(q)) {
                        Map<String, StreamEntryID> after = new LinkedHashMap<>();
                        addAfter(after, keys(q), wake.get(q));
                        probeNews.put(q, p.xread(XReadParams.xReadParams().count(1), after));
                    }
                }));
            }
            int versionGroup = pipeline.add(control.versionKey(), p -> version.add(p.get(control.versionKey())));
            GroupedPipeline.Failure[] failed = pipeline.run(j, guard::nodeFailed, true);
            if (failed[versionGroup] == null) {
                control.observed(version.get(0).get());
            } else {
                control.versionUnknown();
            }
            for (String q : touched) {
                // Its node failed, or its slot has no live master yet (CLUSTERDOWN) or moved: this queue waits
                // for its next attempt (see QueueOutages), the others go on.
                GroupedPipeline.Failure nodeFailure = failed[groupOf.get(q)];
                JedisException why = nodeFailure != null ? nodeFailure.cause()
                        : topologyChange(scriptReplies.get(q), reads.get(q), dueCounts.get(q), probeNews.get(q));
                if (why == null) {
                    outages.answered(q);
                    continue;
                }
                if (nodeFailure == null) {
                    guard.topologyChanged(why);
                }
                outages.failed(q, why);
                later.remove(q);
                direct.remove(q);
                scripted.remove(q);
                dueChecks.remove(q);
                probes.remove(q);
                exhausted.add(q);
                wake.remove(q);
                state(q).quiet = null;
            }
            for (String q : dueChecks) {
                QueueState st = state(q);
                st.checkedAt = nanos;
                st.due = dueCounts.get(q).get() > 0;
            }
            for (String q : probes) {
                List<Map.Entry<String, List<StreamEntry>>> came = probeNews.get(q).get();
                if ((came != null && !came.isEmpty()) || state(q).due) {
                    // Something came: the queue is read (with the script) in the next read of this pass.
                    state(q).quiet = null;
                    exhausted.remove(q);
                    wake.remove(q);
                }
            }
            probes.clear();
            left -= takeDirect(j, direct, reads, out);
            for (Map.Entry<String, Integer> e : scripted.entrySet()) {
                String q = e.getKey();
                int share = e.getValue();
                List<?> reply = (List<?>) calls.get(q).reply(j, scriptReplies.get(q));
                List<?> taken = (List<?>) reply.get(0);
                int got = 0;
                for (Object o : taken) {
                    List<?> part = (List<?>) o;
                    String stream = (String) part.get(0);
                    for (Object entry : (List<?>) part.get(1)) {
                        List<?> en = (List<?>) entry;
                        out.add(toDelivery(q, stream, (String) en.get(0), fieldsOf(en.get(1))));
                        got++;
                    }
                }
                left -= got;
                QueueState st = state(q);
                st.direct = got == share && taken.size() == 1;
                if (st.direct && !st.groupsReady) {
                    createGroups(j, keys(q));
                    st.groupsReady = true;
                }
                if (got < share) {
                    exhausted.add(q);
                }
                st.quiet = null;
                if (got == 0) {
                    List<?> w = (List<?>) reply.get(1);
                    String[] arr = new String[w.size()];
                    for (int x = 0; x < arr.length; x++) {
                        arr[x] = String.valueOf(w.get(x));
                    }
                    wake.put(q, arr);
                    st.quiet = arr;
                }
            }
        }
        return new Round(out, wake, reclaimSkipped);
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

    /**
     * Whether a queue whose script found nothing may still be passed over with a probe: its answer is less
     * than {@value #SCRIPT_INTERVAL_MILLIS} ms old, leases were looked for then or within the last
     * {@value #RECLAIM_INTERVAL_MILLIS} ms, and neither the next delayed message's due time nor the next
     * lease deadline it named has been reached.
     */
    private boolean stillQuiet(QueueState st, String[] wake, long nanos, long now) {
        return nanos - st.scriptedAt < scriptIntervalNanos
                && (st.reclaimedLast() || nanos - st.reclaimedAt < RECLAIM_INTERVAL_NANOS)
                && untilMillis(wake[0], now) > 0 && untilMillis(wake[1], now) > 0;
    }

    /**
     * Takes what the plain reads gave: one {@code XREADGROUP} of all of a queue's streams, highest level
     * first. {@code COUNT} applies to each stream, so when several streams had messages the read may have
     * returned more than the share: the lowest-placed ones are given back at once (to the front of their
     * level, their delivery count unchanged) and the queue goes back to the fetch script, which reads level
     * by level. A queue that gave less than its share also goes back to the script (which tells when to
     * look again). Returns how many were taken.
     */
    private int takeDirect(UnifiedJedis j, Map<String, Integer> shares,
            Map<String, Response<List<Map.Entry<String, List<StreamEntry>>>>> responses, List<Delivery> out) {
        int taken = 0;
        for (Map.Entry<String, Integer> e : shares.entrySet()) {
            String q = e.getKey();
            int share = e.getValue();
            QueueState st = state(q);
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
            QueueKeys k = keys(q);
            List<String> surplus = new ArrayList<>();
            int got = 0;
            for (Map.Entry<String, List<StreamEntry>> part : reply) {
                String stream = k.label(part.getKey());
                for (StreamEntry entry : part.getValue()) {
                    Delivery d = toDelivery(q, stream, entry.getID().toString(), entry.getFields());
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
                ScriptCall giveBack = releaseCall(k, false, surplus);
                giveBack.script().eval(j, giveBack.keys(), giveBack.args());
            }
            taken += got;
        }
        return taken;
    }

    /** Creates the consumer group on each of a queue's streams that lacks it (and the stream with it). */
    private static void createGroups(UnifiedJedis j, QueueKeys k) {
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

    private static Map<String, String> fieldsOf(Object fields) {
        if (!(fields instanceof List<?> l)) {
            return Map.of();
        }
        Map<String, String> m = new HashMap<>(8);
        for (int i = 0; i + 1 < l.size(); i += 2) {
            m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
        }
        return m;
    }

    /**
     * A delivery from one entry: {@code stream} is {@code "r<level>"} for a level's redelivery stream (whose
     * fields carry the delivery count) or the level.
     */
    private static Delivery toDelivery(String queue, String stream, String entryId, Map<String, String> fields) {
        boolean redelivery = stream.charAt(0) == 'r';
        String at = fields.get("t");
        String payload = fields.get("p");
        int count = redelivery ? parseCount(fields.get("n")) : 1;
        String member = stream + "-" + entryId;
        return new Delivery(queue, fields.get("id"), payload == null ? "" : payload, count, member + ":" + count,
                at == null ? null : parseMillis(at));
    }

    private static int parseCount(String v) {
        if (v == null) {
            return 2;
        }
        try {
            return Math.max(1, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    private static Instant parseMillis(String v) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(v));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- settle

    /**
     * Acknowledges the deliveries. Concurrent calls are coalesced (group commit): a call that finds another
     * ack in flight waits for it, then its receipts go out with those of the other waiting calls in one
     * pipeline of plain commands, per stream an {@code XACK} and an {@code XDEL} of the deliveries' entries
     * (which ends their leases; every delivery is its own entry, so a stale receipt names an entry that is
     * already gone and changes nothing). Every call returns only after its own
     * deliveries were acknowledged, and throws only if a command covering one of its queues failed.
     */
    @Override
    public void ack(Collection<Delivery> deliveries) {
        Objects.requireNonNull(deliveries, "deliveries");
        guard.ensureOpen();
        Map<String, List<String>> byQueue = receiptArgs(deliveries);
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
            merged.forEach((q, members) -> groupOf.put(q, pipeline.add(keys(q).delayed(),
                    p -> responses.put(q, ackCommands(p, keys(q), members)))));
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
                    failed.putIfAbsent(q, refusal(e));
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

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        Objects.requireNonNull(deliveries, "deliveries");
        positive(lease, "lease");
        guard.ensureOpen();
        // Receipts by stream entry id, by stream; receipts that are not this broker's are lost at once.
        Set<String> lost = new LinkedHashSet<>();
        Map<String, Map<String, String>> byStream = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Objects.requireNonNull(d, "deliveries must not contain null");
            Receipt r = Receipt.parse(d.receipt());
            if (r == null || !validQueue(d.queue())) {
                lost.add(d.receipt());
            } else {
                byStream.computeIfAbsent(keys(d.queue()).streamOf(r.member()), x -> new LinkedHashMap<>())
                        .put(r.entryId(), d.receipt());
            }
        }
        if (byStream.isEmpty()) {
            return Collections.unmodifiableSet(lost);
        }
        String consumer = consumerFor(lease);
        Map<String, Response<List<StreamEntryID>>> claimed = new LinkedHashMap<>();
        String what = "lease extension of " + deliveries.size() + " message(s)";
        guard.run(what, true, j -> {
            GroupedPipeline pipeline = new GroupedPipeline();
            byStream.forEach((stream, receipts) -> pipeline.add(stream, p -> claimed.put(stream, p.xclaimJustId(stream,
                    GROUP, consumer, 0, XClaimParams.xClaimParams(), receipts.keySet().stream().map(StreamEntryID::new)
                            .toArray(StreamEntryID[]::new)))));
            for (GroupedPipeline.Failure f : pipeline.run(j, guard::nodeFailed, false)) {
                if (f != null) {
                    // Part of the leases were extended: the worker's next extension covers them all again.
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

    @Override
    public void release(Collection<Delivery> deliveries) {
        Objects.requireNonNull(deliveries, "deliveries");
        guard.ensureOpen();
        Map<String, List<String>> byQueue = receiptArgs(deliveries);
        if (byQueue.isEmpty()) {
            return;
        }
        List<ScriptCall> calls = new ArrayList<>();
        byQueue.forEach((q, members) -> calls.add(releaseCall(keys(q), true, members)));
        guard.run("release of " + deliveries.size() + " message(s)", true, j -> ScriptCall.runAll(j, calls));
    }

    /**
     * The script call that delivers these members of a queue again at once; {@code counted}: as a delivery
     * (a release), or not (read beyond a share, never handed out).
     */
    private static ScriptCall releaseCall(QueueKeys k, boolean counted, List<String> members) {
        List<String> args = new ArrayList<>(members.size() + 2);
        args.add(GROUP);
        args.add(counted ? "1" : "0");
        args.addAll(members);
        return new ScriptCall(RELEASE, k.all(), args);
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(newPayload, "newPayload");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must be >= 0, was " + delay);
        }
        guard.ensureOpen();
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
                j -> SETTLE.eval(j, keys(delivery.queue()).all(), args));
        if (((Number) res).longValue() == 0) {
            log.info("Retry of message {} on queue {} not scheduled: its lease was lost and the message was "
                    + "redelivered, so another delivery is running it", id, delivery.queue());
        }
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(reason, "reason");
        guard.ensureOpen();
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
                true, j -> SETTLE.eval(j, keys(delivery.queue()).all(), args));
        if (((Number) res).longValue() == 0) {
            log.info("Message {} on queue {} not dead-lettered: its lease was lost and the message was redelivered",
                    delivery.messageId(), delivery.queue());
        }
    }

    /** Groups members by queue; receipts that are not this broker's are skipped. */
    private Map<String, List<String>> receiptArgs(Collection<Delivery> deliveries) {
        Map<String, List<String>> byQueue = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            Objects.requireNonNull(d, "deliveries must not contain null");
            Receipt r = Receipt.parse(d.receipt());
            if (r == null || !validQueue(d.queue())) {
                log.debug("Ignoring delivery with foreign receipt '{}' on queue {}", d.receipt(), d.queue());
                continue;
            }
            byQueue.computeIfAbsent(d.queue(), q -> new ArrayList<>()).add(r.member());
        }
        return byQueue;
    }

    // ---------------------------------------------------------------- dead letters

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        Queues.check(queue);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        guard.ensureOpen();
        List<StreamEntry> entries = guard.run("listing dead letters of queue " + queue, true,
                j -> j.xrange(keys(queue).dead(), (StreamEntryID) null, (StreamEntryID) null, limit));
        List<DeadLetter> out = new ArrayList<>(entries.size());
        for (StreamEntry e : entries) {
            Map<String, String> f = e.getFields();
            int count;
            try {
                count = Integer.parseInt(f.getOrDefault("n", "0"));
            } catch (NumberFormatException ex) {
                count = 0;
            }
            Instant at = parseMillis(f.getOrDefault("at", ""));
            out.add(new DeadLetter(e.getID().toString(), queue, f.get("id"), f.getOrDefault("p", ""),
                    f.getOrDefault("r", ""), count, at == null ? Instant.ofEpochMilli(e.getID().getTime()) : at));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        Queues.check(queue);
        Objects.requireNonNull(ids, "ids");
        guard.ensureOpen();
        List<String> keyList = keys(queue).all();
        int replayed = 0;
        if (ids.isEmpty()) {
            while (true) {
                List<String> args = List.of(Long.toString(clock.millis()), Integer.toString(REPLAY_CHUNK));
                int n = ((Number) guard.run("replay of dead letters of queue " + queue, true,
                        j -> REPLAY.eval(j, keyList, args))).intValue();
                replayed += n;
                if (n < REPLAY_CHUNK) {
                    return replayed;
                }
            }
        }
        List<String> list = new ArrayList<>(new LinkedHashSet<>(ids));
        for (int from = 0; from < list.size(); from += REPLAY_CHUNK) {
            List<String> args = new ArrayList<>();
            args.add(Long.toString(clock.millis()));
            args.add(Integer.toString(REPLAY_CHUNK));
            args.addAll(list.subList(from, Math.min(list.size(), from + REPLAY_CHUNK)));
            replayed += ((Number) guard.run("replay of dead letters of queue " + queue, true,
                    j -> REPLAY.eval(j, keyList, args))).intValue();
        }
        return replayed;
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        return ((Number) guard.run("purge of dead letters of queue " + queue, true,
                j -> DEAD_PURGE.eval(j, keys(queue).all(), List.of()))).longValue();
    }

    // ---------------------------------------------------------------- inspection

    @Override
    public QueueStats stats(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        List<?> r = (List<?>) guard.run("stats of queue " + queue, true,
                j -> STATS.eval(j, keys(queue).all(), List.of(Long.toString(clock.millis()), GROUP)));
        return new QueueStats(queue, num(r.get(0)), num(r.get(1)), num(r.get(2)), num(r.get(3)));
    }

    @Override
    public Set<String> queues() {
        guard.ensureOpen();
        Set<String> names = guard.run("listing queues", true, j -> j.smembers(queuesKey));
        return Collections.unmodifiableSet(new TreeSet<>(names));
    }

    @Override
    public long purge(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        long total = 0;
        while (true) {
            List<String> args = List.of(GROUP, Integer.toString(PURGE_CHUNK));
            List<?> r = (List<?>) guard.run("purge of queue " + queue, true, j -> PURGE.eval(j, keys(queue).all(), args));
            total += num(r.get(0));
            if (num(r.get(1)) == 0) {
                return total;
            }
        }
    }

    // ---------------------------------------------------------------- stores, lifecycle

    @Override
    public IdempotencyStore idempotency() {
        guard.ensureOpen();
        return idempotency;
    }

    @Override
    public LeaderLock leaderLock() {
        guard.ensureOpen();
        return leaderLock;
    }

    @Override
    public StateStore state() {
        guard.ensureOpen();
        return state;
    }

    @Override
    public ResultStore results() {
        guard.ensureOpen();
        return results;
    }

    @Override
    public dev.tasks.spi.ControlStore control() {
        guard.ensureOpen();
        return control;
    }

    @Override
    public java.util.Optional<dev.tasks.spi.WorkerLayouts> layouts() {
        return layouts;
    }

    @Override
    public java.util.Optional<dev.tasks.spi.WorkerDirectory> workers() {
        return workers;
    }

    /**
     * Closes the connection pool (unless the client was supplied by the caller). Fetches waiting at that
     * moment return an empty list. Safe to call twice.
     */
    @Override
    public void close() {
        if (guard.isClosed()) {
            return;
        }
        guard.markClosed();
        results.close();
        if (ownsClient) {
            try {
                guard.jedis().close();
            } catch (RuntimeException e) {
                log.debug("Error while closing the Redis client of {}", description, e);
            }
        }
        log.info("Redis broker for {} closed", describe());
    }

    /** Whether a queue name is valid; names this broker has keys for are known to be (no regex per call). */
    private boolean validQueue(String queue) {
        return queue != null && (keys.containsKey(queue) || Queues.isValid(queue));
    }

    QueueKeys keys(String queue) {
        return keys.computeIfAbsent(queue, q -> new QueueKeys(keyPrefix, q));
    }

    /** For tests: how long a queue may be read without the fetch script (default {@value #SCRIPT_INTERVAL_MILLIS}). */
    void scriptInterval(Duration interval) {
        scriptIntervalNanos = interval.toNanos();
    }

    UnifiedJedis jedis() {
        return guard.jedis();
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
        if (d.toMillis() < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 ms, was " + d);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : Math.min(r, MAX_MILLIS);
    }

    /** Larger millisecond values lose precision as Redis scores (doubles); clamp far-future times. */
    private static final long MAX_MILLIS = 1L << 52;

    /**
     * A receipt: {@code <member>:<delivery count>}, where the member ({@code <level>-<entry id>} or
     * {@code r<level>-<entry id>}, see {@link QueueKeys}) names the stream entry of exactly one delivery.
     */
    record Receipt(String member, String count) {
        static Receipt parse(String receipt) {
            if (receipt == null) {
                return null;
            }
            int colon = receipt.lastIndexOf(':');
            if (colon < 4 || colon == receipt.length() - 1) {
                return null;
            }
            String member = receipt.substring(0, colon);
            String count = receipt.substring(colon + 1);
            int level = member.charAt(0) == 'r' ? 1 : 0;
            if (!Character.isDigit(member.charAt(level)) || member.charAt(level + 1) != '-'
                    || !count.chars().allMatch(Character::isDigit)) {
                return null;
            }
            for (int i = level + 2; i < member.length(); i++) {
                char c = member.charAt(i);
                if (!Character.isDigit(c) && c != '-') {
                    return null;
                }
            }
            return new Receipt(member, count);
        }

        String entryId() {
            return QueueKeys.entryIdOf(member);
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Builds a {@link RedisBroker}. Not thread-safe; {@link #build()} snapshots the settings, connects
     * and checks that the server answers.
     *
     * <pre>{@code
     * Broker broker = RedisBroker.builder()
     *     .url("redis://localhost:6379/0")
     *     .keyPrefix("shop")
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private String url;
        private String password;
        private UnifiedJedis client;
        private Clock clock = Clock.systemUTC();
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String clientName = DEFAULT_CLIENT_NAME;
        private Function<String, String> environment = System::getenv;

        private Builder() {}

        /**
         * The server URL ({@code redis://}, {@code rediss://}, {@code redis-sentinel://},
         * {@code redis-cluster://}); see the class documentation of the factory for the forms.
         *
         * @throws ConfigurationException naming what is wrong with it (the password is never shown)
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            RedisUrl.parse(url);
            this.url = url;
            return this;
        }

        /** The password; overrides one in the URL and {@value RedisBroker#ENV_PASSWORD}. */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Uses a client the caller made and owns (it is not closed by {@link RedisBroker#close()}); instead
         * of {@link #url}.
         */
        public Builder client(UnifiedJedis client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The clock for due times, publish times and store expiry (leases are timed by the Redis server);
         * default the UTC system clock.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The prefix of every key; default {@value RedisBroker#DEFAULT_KEY_PREFIX}. Letters, digits and
         * {@code . _ - :}, 1 to 100 characters.
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,100}")) {
                throw new ConfigurationException("Redis key prefix '" + keyPrefix
                        + "' is invalid: use 1 to 100 letters, digits, '.', '_', '-' or ':'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** Maximum pooled connections; default {@value RedisBroker#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new ConfigurationException("Redis pool size must be >= 1, was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** Connect and read timeout; default 2 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE / 2) {
                throw new ConfigurationException("Redis timeout must be between 1 ms and 12 days, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The client name shown by {@code CLIENT LIST}; default {@value RedisBroker#DEFAULT_CLIENT_NAME}. */
        public Builder clientName(String clientName) {
            Objects.requireNonNull(clientName, "clientName");
            if (!clientName.matches("[!-~]{1,100}")) {
                throw new ConfigurationException("Redis client name '" + clientName
                        + "' is invalid: use 1 to 100 printable characters without spaces");
            }
            this.clientName = clientName;
            return this;
        }

        /**
         * Applies broker settings: the URL, the clock and the {@code redis.*} options
         * ({@value RedisBroker#OPTION_KEY_PREFIX}, {@value RedisBroker#OPTION_POOL_SIZE},
         * {@value RedisBroker#OPTION_TIMEOUT}, {@value RedisBroker#OPTION_CLIENT_NAME}).
         *
         * @throws ConfigurationException for a bad URL, an unknown {@code redis.*} option or a bad value
         */
        public Builder settings(BrokerSettings settings) {
            Objects.requireNonNull(settings, "settings");
            url(settings.url());
            clock(settings.clock());
            for (Map.Entry<String, String> e : settings.options().entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (!name.startsWith("redis.")) {
                    continue;
                }
                switch (name) {
                    case OPTION_KEY_PREFIX -> keyPrefix(value.trim());
                    case OPTION_POOL_SIZE -> poolSize(parseInt(name, value));
                    case OPTION_TIMEOUT -> timeout(parseDuration(name, value));
                    case OPTION_CLIENT_NAME -> clientName(value.trim());
                    default -> throw new ConfigurationException("unknown Redis option '" + name + "'; supported: "
                            + List.of(OPTION_KEY_PREFIX, OPTION_POOL_SIZE, OPTION_TIMEOUT, OPTION_CLIENT_NAME));
                }
            }
            return this;
        }

        /** Where environment variables are read from (tests replace it). */
        Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Connects and returns the broker.
         *
         * @throws ConfigurationException if neither a URL nor a client was given
         * @throws BrokerException if the server cannot be reached
         */
        public RedisBroker build() {
            UnifiedJedis jedis;
            String description;
            boolean owns;
            if (client != null) {
                jedis = client;
                description = "redis (client supplied by the application)";
                owns = false;
            } else {
                if (url == null) {
                    throw new ConfigurationException("Redis broker needs a URL, e.g. redis://localhost:6379/0");
                }
                RedisUrl parsed = RedisUrl.parse(url).withCredentials(password, environment.apply(ENV_PASSWORD));
                description = parsed.describe();
                jedis = open(parsed);
                owns = true;
            }
            RedisBroker broker = new RedisBroker(jedis, owns, description, clock, keyPrefix);
            try {
                jedis.ping();
                ServerVersion.check(jedis, description);
            } catch (JedisException e) {
                broker.close();
                throw startFailure(description, e);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            log.info("Redis broker ready: {}, key prefix '{}', pool size {}, timeout {} ms, client name '{}'",
                    description, keyPrefix, poolSize, timeout.toMillis(), clientName);
            return broker;
        }

        /** Why the first contact failed, in the words a user needs: login refused, TLS not trusted, unreachable. */
        static BrokerException startFailure(String where, JedisException e) {
            String message = String.valueOf(e.getMessage());
            javax.net.ssl.SSLException ssl = null;
            for (Throwable t = e; t != null && ssl == null; t = t.getCause()) {
                if (t instanceof javax.net.ssl.SSLException x) {
                    ssl = x;
                }
            }
            if (message.matches("(?is).*(WRONGPASS|NOAUTH|invalid username-password|invalid password).*")) {
                return new BrokerException("Redis at " + where + " refused the login (" + message + "); check the user"
                        + " and password (in the URL, TASKS_BROKER_PASSWORD, TASKS_BROKER_PASSWORD_FILE or"
                        + " TASKS_REDIS_PASSWORD)", e);
            }
            if (ssl != null) {
                return new BrokerException("TLS handshake with Redis at " + where + " failed (" + ssl.getMessage()
                        + "); if its certificate is signed by a private CA, add the CA to the Java trust store"
                        + " (-Djavax.net.ssl.trustStore=...)", e);
            }
            return new BrokerException("cannot connect to Redis at " + where + ": " + message, e);
        }

        private UnifiedJedis open(RedisUrl u) {
            int timeoutMillis = (int) timeout.toMillis();
            DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(timeoutMillis)
                    .socketTimeoutMillis(timeoutMillis)
                    .blockingSocketTimeoutMillis(timeoutMillis + (int) MAX_BLOCK_MILLIS)
                    .clientName(clientName)
                    .ssl(u.tls());
            if (u.user() != null) {
                cfg.user(u.user());
            }
            if (u.password() != null) {
                cfg.password(u.password());
            }
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            pool.setMaxTotal(poolSize);
            pool.setMaxIdle(poolSize);
            pool.setMaxWait(Duration.ofMillis(timeoutMillis));
            try {
                return switch (u.mode()) {
                    case STANDALONE -> RedisClient.builder()
                            .hostAndPort(u.hosts().get(0))
                            .clientConfig(cfg.database(u.database()).build())
                            .poolConfig(pool)
                            .build();
                    case SENTINEL -> {
                        JedisClientConfig sentinelCfg = DefaultJedisClientConfig.builder()
                                .autoNegotiateProtocol(false) // Sentinels speak RESP2 here; no warning per connection
                                .connectionTimeoutMillis(timeoutMillis)
                                .socketTimeoutMillis(timeoutMillis)
                                .clientName(clientName)
                                .ssl(u.tls())
                                .build();
                        yield RedisSentinelClient.builder()
                                .masterName(u.masterName())
                                .sentinels(new LinkedHashSet<HostAndPort>(u.hosts()))
                                .sentinelClientConfig(sentinelCfg)
                                .clientConfig(cfg.database(u.database()).build())
                                .poolConfig(pool)
                                .build();
                    }
                    case CLUSTER -> RedisClusterClient.builder()
                            .nodes(new LinkedHashSet<HostAndPort>(u.hosts()))
                            // A command to a dead master is retried (renewing the slot map) for one timeout at
                            // most, not five: the broker renews the map itself at every failure.
                            .maxAttempts(CLUSTER_MAX_ATTEMPTS)
                            .maxTotalRetriesDuration(timeout)
                            .clientConfig(cfg.build())
                            .poolConfig(pool)
                            .build();
                };
            } catch (redis.clients.jedis.exceptions.JedisException e) {
                throw new BrokerException("cannot connect to Redis at " + u.describe() + ": " + e.getMessage(), e);
            }
        }

        private static int parseInt(String name, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("option " + name + " must be a whole number, was '" + value + "'");
            }
        }

        private static Duration parseDuration(String name, String value) {
            String v = value.trim();
            try {
                return v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v));
            } catch (RuntimeException e) {
                throw new ConfigurationException("option " + name
                        + " must be an ISO-8601 duration like PT2S or a number of milliseconds, was '" + value + "'");
            }
        }
    }
}
