package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.spi.ControlStore;
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
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Chords, revocations, rate limits and concurrency slots on Redis, each operation one Lua script (or one
 * read). Keys, under the broker's prefix:
 * <ul>
 *   <li>{@code <prefix>:chord:<id>}: hash of member index to result JSON, expiring with the results;</li>
 *   <li>{@code <prefix>:{revoked}:ids} (zset id to expiry) and {@code <prefix>:{revoked}:flags} (hash id to
 *       terminate flag), in one slot;</li>
 *   <li>{@code <prefix>:rate:<key>}: the key's next free slot in epoch microseconds;</li>
 *   <li>{@code <prefix>:slots:<name>}: zset of holder to lease end.</li>
 * </ul>
 * Times come from the broker's clock, so the workers' clocks should agree to well under a rate interval.
 */
final class RedisControlStore implements ControlStore {
    static final LuaScript CHORD_ADD = LuaScript.load("chord_add");
    static final LuaScript REVOKE = LuaScript.load("revoke");
    static final LuaScript REVOKED = LuaScript.load("revoked");
    static final LuaScript RATE = LuaScript.load("rate_reserve");
    static final LuaScript SLOT_ACQUIRE = LuaScript.load("slot_acquire");
    static final LuaScript SLOT_RENEW = LuaScript.load("slot_renew");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;
    private final List<String> revokedKeys;
    /** False once the server answered that it has no {@code ZMSCORE} (before Redis 6.2). */
    private volatile boolean zmscore;

    RedisControlStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this(guard, clock, keyPrefix, true);
    }

    /** @param zmscore false to check revocations with the script, as on a server older than Redis 6.2 */
    RedisControlStore(ConnectionGuard guard, Clock clock, String keyPrefix, boolean zmscore) {
        this.zmscore = zmscore;
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix;
        this.revokedKeys = List.of(keyPrefix + ":{revoked}:ids", keyPrefix + ":{revoked}:flags");
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
    }

    /**
     * One {@code ZMSCORE} of all the ids (no script: the check runs once per fetch), then the flags of the
     * live ones, if any. On a server older than Redis 6.2, which lacks {@code ZMSCORE}, a script does both.
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
        if (zmscore) {
            try {
                return revokedByScores(ids, now, what);
            } catch (BrokerException e) {
                if (!(e.getCause() instanceof JedisDataException d) || !unknownCommand(d)) {
                    throw e;
                }
                zmscore = false;
            }
        }
        return revokedByScript(ids, now, what);
    }

    /** {@code ZMSCORE} of the ids, then, only if some are live, {@code HMGET} of their flags. */
    private Map<String, Boolean> revokedByScores(String[] ids, long now, String what) {
        List<Double> scores = guard.run(what, true, j -> j.zmscore(revokedKeys.get(0), ids));
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
        List<String> flags = guard.run(what, true, j -> j.hmget(revokedKeys.get(1), liveIds));
        Map<String, Boolean> out = new HashMap<>();
        for (int i = 0; i < liveIds.length; i++) {
            out.put(liveIds[i], "1".equals(flags.get(i)));
        }
        return out;
    }

    /** The same in one script, for servers before Redis 6.2. */
    private Map<String, Boolean> revokedByScript(String[] ids, long now, String what) {
        List<String> args = new ArrayList<>(ids.length + 1);
        args.add(Long.toString(now));
        args.addAll(java.util.Arrays.asList(ids));
        List<?> flat = (List<?>) guard.run(what, true, j -> REVOKED.eval(j, revokedKeys, args));
        Map<String, Boolean> out = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(text(flat.get(i)), "1".equals(text(flat.get(i + 1))));
        }
        return out;
    }

    private static boolean unknownCommand(JedisDataException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("unknown command") && m.contains("zmscore");
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }

    @Override
    public Duration reserveRate(String key, Duration interval) {
        Objects.requireNonNull(key, "key");
        long micros = positiveMicros(interval);
        Instant now = clock.instant();
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
        Object r = guard.run("reserving a rate-limit slot of " + key, false,
                j -> RATE.eval(j, List.of(prefix + ":rate:" + key), List.of(Long.toString(nowMicros), Long.toString(micros))));
        return Duration.of(Math.max(0, ((Number) r).longValue()), ChronoUnit.MICROS);
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
