package dev.tasks.redis;

import dev.tasks.spi.ControlStore;
import dev.tasks.spi.RateReservation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Chords, revocations, rate limits and concurrency slots on Redis, each operation one Lua script (or one
 * read). Keys, under the broker's prefix:
 * <ul>
 *   <li>{@code <prefix>:chord:<id>}: hash of member index to result JSON, expiring with the results;</li>
 *   <li>{@code <prefix>:{revoked}:ids} (zset id to expiry), {@code <prefix>:{revoked}:flags} (hash id to
 *       terminate flag) and {@code <prefix>:{revoked}:version} (incremented by every revocation), in one
 *       slot;</li>
 *   <li>{@code <prefix>:rates:<key>}: hash of the key's next free slot ({@code s}) and next turn ({@code t})
 *       of its rate limit, in epoch microseconds;</li>
 *   <li>{@code <prefix>:slots:<name>}: zset of holder to lease end.</li>
 * </ul>
 * Times come from the broker's clock, so the workers' clocks should agree to well under a rate interval.
 *
 * <p>Revocation checks right after a fetch cost no round trip: the broker reads the revocations' version in
 * the fetch's pipeline ({@link #observed}), and a {@link #revoked} call that follows on the same thread
 * within {@value #OBSERVATION_FRESH_MILLIS} ms is answered from a copy of the live revocations at that
 * version (reloaded, in one round trip, when the version moved; kept only while at most
 * {@value #CACHE_MAX} are live). Such an answer is exactly as fresh as the fetch. Every other call asks the
 * server.
 */
final class RedisControlStore implements ControlStore {
    static final LuaScript CHORD_ADD = LuaScript.load("chord_add");
    static final LuaScript REVOKE = LuaScript.load("revoke");
    static final LuaScript REVOKED_ALL = LuaScript.load("revoked_all");
    /** How long after a fetch a revocation check on its thread is answered as of that fetch. */
    static final long OBSERVATION_FRESH_MILLIS = 100;
    /** The most live revocations kept in memory. */
    static final int CACHE_MAX = 10_000;
    static final LuaScript RATE = LuaScript.load("rate_reserve");
    static final LuaScript SLOT_ACQUIRE = LuaScript.load("slot_acquire");
    static final LuaScript SLOT_RENEW = LuaScript.load("slot_renew");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;
    private final List<String> revokedKeys;
    /** The version of the revocations a fetch on this thread saw, and when. */
    private final ThreadLocal<Observation> observation = new ThreadLocal<>();
    /** The live revocations at one version; null until needed, or while too many are live. */
    private volatile Snapshot snapshot;

    RedisControlStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix;
        this.revokedKeys = List.of(keyPrefix + ":{revoked}:ids", keyPrefix + ":{revoked}:flags",
                keyPrefix + ":{revoked}:version");
    }

    private record Observation(String version, long atNanos) {}

    /** Live revocations: id to {expiry ms, terminate flag (1/0)}. */
    private record Snapshot(String version, Map<String, long[]> live) {}

    /** The key whose value a fetch reads along with its messages and passes to {@link #observed}. */
    String versionKey() {
        return revokedKeys.get(2);
    }

    /** Records the revocations' version a fetch on this thread just read (null: nothing revoked yet). */
    void observed(String version) {
        observation.set(new Observation(version == null ? "0" : version, System.nanoTime()));
    }

    /**
     * A fetch on this thread could not read the revocations' version (its Cluster node failed): the next
     * check on this thread (the fetched batch's) asks once and fails fast, rather than holding up the
     * fetches of the other queues while it waits for a failover.
     */
    void versionUnknown() {
        observation.set(new Observation(null, System.nanoTime()));
    }

    @Override
    public int chordAdd(String chordId, int index, String resultJson, Duration ttl) {
        Objects.requireNonNull(chordId, "chordId");
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, was " + index);
        }
        long ms = RedisIdempotencyStore.positiveMillis(ttl, "ttl");
        List<String> args = List.of(Integer.toString(index), resultJson == null ? "null" : resultJson, Long.toString(ms));
        Object r = guard.run("counting member " + index + " of chord " + chordId, true,
                j -> CHORD_ADD.eval(j, List.of(chordKey(chordId)), args));
        return (int) ((Number) r).longValue();
    }

    @Override
    public List<String> chordResults(String chordId, int size) {
        Objects.requireNonNull(chordId, "chordId");
        if (size <= 0) {
            return List.of();
        }
        String[] fields = new String[size];
        for (int i = 0; i < size; i++) {
            fields[i] = Integer.toString(i);
        }
        return guard.run("reading the results of chord " + chordId, true, j -> j.hmget(chordKey(chordId), fields));
    }

    private String chordKey(String chordId) {
        return prefix + ":chord:" + chordId;
    }

    @Override
    public void revoke(String taskId, boolean terminate, Duration ttl) {
        Objects.requireNonNull(taskId, "taskId");
        long ms = RedisIdempotencyStore.positiveMillis(ttl, "ttl");
        long now = clock.millis();
        List<String> args = List.of(Long.toString(now), taskId, terminate ? "1" : "0", Long.toString(now + ms));
        guard.run("revoking task " + taskId, true, j -> REVOKE.eval(j, revokedKeys, args));
        // A check on this thread must see this revocation, not the version of an earlier fetch.
        observation.remove();
    }

    /**
     * Right after a fetch on this thread (see the class comment), answered from memory; otherwise one
     * {@code ZMSCORE} of all the ids, then the flags of the live ones, if any.
     */
    @Override
    public Map<String, Boolean> revoked(Collection<String> taskIds) {
        Objects.requireNonNull(taskIds, "taskIds");
        if (taskIds.isEmpty()) {
            return Map.of();
        }
        String[] ids = new String[taskIds.size()];
        int n = 0;
        for (String id : taskIds) {
            ids[n++] = Objects.requireNonNull(id, "task id");
        }
        String what = "checking " + ids.length + " task(s) for revocation";
        long now = clock.millis();
        Observation seen = observation.get();
        if (seen != null && seen.version == null) {
            observation.remove();
            return revokedByScores(ids, now, what, false);
        }
        if (seen != null) {
            observation.remove();
            if (System.nanoTime() - seen.atNanos < TimeUnit.MILLISECONDS.toNanos(OBSERVATION_FRESH_MILLIS)) {
                Snapshot s = snapshot;
                if (s == null || !s.version.equals(seen.version)) {
                    s = reload(now, what);
                }
                if (s != null) {
                    return lookUp(s, ids, now);
                }
            }
        }
        return revokedByScores(ids, now, what, true);
    }

    /** Loads the live revocations and their version; null (and none kept) if there are too many. */
    private Snapshot reload(long now, String what) {
        List<?> r = (List<?>) guard.run(what, true,
                j -> REVOKED_ALL.eval(j, revokedKeys, List.of(Long.toString(now), Integer.toString(CACHE_MAX))));
        String version = text(r.get(0));
        long count = ((Number) r.get(1)).longValue();
        if (count < 0) {
            snapshot = null;
            return null;
        }
        Map<String, long[]> live = new HashMap<>();
        for (int i = 2; i + 2 < r.size(); i += 3) {
            live.put(text(r.get(i)), new long[] {(long) Double.parseDouble(text(r.get(i + 1))),
                    "1".equals(text(r.get(i + 2))) ? 1 : 0});
        }
        Snapshot s = new Snapshot(version, live);
        snapshot = s;
        return s;
    }

    private static Map<String, Boolean> lookUp(Snapshot s, String[] ids, long now) {
        if (s.live.isEmpty()) {
            return Map.of();
        }
        Map<String, Boolean> out = new HashMap<>();
        for (String id : ids) {
            long[] v = s.live.get(id);
            if (v != null && v[0] > now) {
                out.put(id, v[1] == 1);
            }
        }
        return out;
    }

    /**
     * {@code ZMSCORE} of the ids, then, only if some are live, {@code HMGET} of their flags; {@code
     * throughFailover}: see {@link ConnectionGuard#runThroughFailover}.
     */
    private Map<String, Boolean> revokedByScores(String[] ids, long now, String what, boolean throughFailover) {
        List<Double> scores = throughFailover ? guard.runThroughFailover(what, j -> j.zmscore(revokedKeys.get(0), ids))
                : guard.run(what, true, j -> j.zmscore(revokedKeys.get(0), ids));
        List<String> live = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            Double until = scores.get(i);
            if (until != null && until > now) {
                live.add(ids[i]);
            }
        }
        if (live.isEmpty()) {
            return Map.of();
        }
        String[] liveIds = live.toArray(String[]::new);
        List<String> flags = guard.runThroughFailover(what, j -> j.hmget(revokedKeys.get(1), liveIds));
        Map<String, Boolean> out = new HashMap<>();
        for (int i = 0; i < liveIds.length; i++) {
            out.put(liveIds[i], "1".equals(flags.get(i)));
        }
        return out;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }

    @Override
    public RateReservation reserveRate(String key, Duration interval, Duration notBefore, Duration horizon) {
        Objects.requireNonNull(key, "key");
        long micros = positiveMicros(interval);
        List<String> args = List.of(Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant())),
                Long.toString(micros), Long.toString(notNegativeMicros(notBefore, "notBefore")),
                Long.toString(notNegativeMicros(horizon, "horizon")));
        List<?> r = (List<?>) guard.run("reserving a rate-limit slot of " + key, false,
                j -> RATE.eval(j, List.of(prefix + ":rates:" + key), args));
        Duration wait = Duration.of(((Number) r.get(1)).longValue(), ChronoUnit.MICROS);
        return ((Number) r.get(0)).longValue() == 1 ? RateReservation.slot(wait) : RateReservation.askAgainIn(wait);
    }

    private static long notNegativeMicros(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d.toNanos() / 1000;
    }

    private static long positiveMicros(Duration d) {
        Objects.requireNonNull(d, "interval");
        long us = d.toNanos() / 1000;
        if (us <= 0) {
            throw new IllegalArgumentException("interval must be at least 1 microsecond, was " + d);
        }
        return us;
    }

    @Override
    public boolean acquireSlot(String name, int limit, String holder, Duration lease) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        long ms = RedisIdempotencyStore.positiveMillis(lease, "lease");
        long now = clock.millis();
        List<String> args = List.of(Long.toString(now), Integer.toString(limit), holder, Long.toString(now + ms),
                Long.toString(2 * ms));
        Object r = guard.run("taking a concurrency slot of " + name, true,
                j -> SLOT_ACQUIRE.eval(j, List.of(slotsKey(name)), args));
        return ((Number) r).longValue() == 1;
    }

    @Override
    public Set<String> renewSlots(String name, Collection<String> holders, Duration lease) {
        Objects.requireNonNull(name, "name");
        long ms = RedisIdempotencyStore.positiveMillis(lease, "lease");
        if (holders.isEmpty()) {
            return Set.of();
        }
        long now = clock.millis();
        List<String> args = new ArrayList<>();
        args.add(Long.toString(now));
        args.add(Long.toString(now + ms));
        args.add(Long.toString(2 * ms));
        args.addAll(holders);
        Object r = guard.run("renewing concurrency slots of " + name, true,
                j -> SLOT_RENEW.eval(j, List.of(slotsKey(name)), args));
        Set<String> lost = new HashSet<>();
        for (Object o : (List<?>) r) {
            lost.add(text(o));
        }
        return lost;
    }

    @Override
    public void releaseSlot(String name, String holder) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        guard.run("giving back a concurrency slot of " + name, true, j -> j.zrem(slotsKey(name), holder));
    }

    private String slotsKey(String name) {
        return prefix + ":slots:" + name;
    }
}
