package dev.tasks.redis;

import static dev.tasks.redis.QueueKeys.GROUP;

import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The inspection and administration side of a {@link RedisBroker}: queue counts and names, purges, and the
 * dead letters (listing, replaying, purging). Replays and purges go in chunks, one script call each, so no
 * call blocks the server for long; each chunk is atomic, the whole is not. Arguments are checked by the
 * broker. Thread-safe.
 */
final class QueueAdmin {
    /** Most dead letters one replay script call moves. */
    static final int REPLAY_CHUNK = 1000;
    /** Most entries one purge script call deletes. */
    static final int PURGE_CHUNK = 5000;
    private static final LuaScript REPLAY = LuaScript.load("replay");
    private static final LuaScript PURGE = LuaScript.load("purge", "queue");
    private static final LuaScript DEAD_PURGE = LuaScript.load("dead_purge");
    private static final LuaScript STATS = LuaScript.load("stats", "queue");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final Keyspace keys;

    QueueAdmin(ConnectionGuard guard, Clock clock, Keyspace keys) {
        this.guard = guard;
        this.clock = clock;
        this.keys = keys;
    }

    /** The oldest {@code limit} dead letters of the queue. */
    List<DeadLetter> deadLetters(String queue, int limit) {
        List<StreamEntry> entries = guard.run("listing dead letters of queue " + queue, true,
                j -> j.xrange(keys.of(queue).dead(), (StreamEntryID) null, (StreamEntryID) null, limit));
        List<DeadLetter> out = new ArrayList<>(entries.size());
        for (StreamEntry e : entries) {
            Map<String, String> f = e.getFields();
            int count;
            try {
                count = Integer.parseInt(f.getOrDefault("n", "0"));
            } catch (NumberFormatException ex) {
                count = 0;
            }
            Instant at = StreamEntries.parseMillis(f.getOrDefault("at", ""));
            out.add(new DeadLetter(e.getID().toString(), queue, f.get("id"), f.getOrDefault("p", ""),
                    f.getOrDefault("r", ""), count, at == null ? Instant.ofEpochMilli(e.getID().getTime()) : at));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Publishes the dead letters named by {@code ids} (all of them when empty) again as new messages;
     * returns how many were replayed.
     */
    int replayDeadLetters(String queue, Collection<String> ids) {
        List<String> keyList = keys.of(queue).all();
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

    /** Deletes the queue's dead letters; returns how many there were. */
    long purgeDeadLetters(String queue) {
        return ((Number) guard.run("purge of dead letters of queue " + queue, true,
                j -> DEAD_PURGE.eval(j, keys.of(queue).all(), List.of()))).longValue();
    }

    /** The queue's counts (see {@code stats.lua}). */
    QueueStats stats(String queue) {
        Object reply = guard.run("stats of queue " + queue, true,
                j -> STATS.eval(j, keys.of(queue).all(), List.of(Long.toString(clock.millis()), GROUP)));
        return StatsReply.of(reply).toStats(queue);
    }

    /** The names of the queues published to, sorted. */
    Set<String> queues() {
        Set<String> names = guard.run("listing queues", true, j -> j.smembers(keys.queuesKey()));
        return Collections.unmodifiableSet(new TreeSet<>(names));
    }

    /**
     * Deletes the queue's ready messages (never delivered, or whose lease ran out) and delayed ones; messages
     * whose lease still runs, and dead letters, are kept. Returns how many were deleted.
     */
    long purge(String queue) {
        long total = 0;
        while (true) {
            List<String> args = List.of(GROUP, Integer.toString(PURGE_CHUNK));
            PurgeReply r = PurgeReply.of(guard.run("purge of queue " + queue, true,
                    j -> PURGE.eval(j, keys.of(queue).all(), args)));
            total += r.deleted();
            if (!r.more()) {
                return total;
            }
        }
    }

    /** The reply of {@code stats.lua}: {@code {ready, delayed, in flight, dead}}. */
    private record StatsReply(long ready, long delayed, long inFlight, long dead) {
        static StatsReply of(Object reply) {
            List<?> r = (List<?>) reply;
            return new StatsReply(num(r.get(0)), num(r.get(1)), num(r.get(2)), num(r.get(3)));
        }

        QueueStats toStats(String queue) {
            return new QueueStats(queue, ready, delayed, inFlight, dead);
        }
    }

    /** The reply of {@code purge.lua}: {@code {deleted, more}}, {@code more} non-zero while entries remain. */
    private record PurgeReply(long deleted, boolean more) {
        static PurgeReply of(Object reply) {
            List<?> r = (List<?>) reply;
            return new PurgeReply(num(r.get(0)), num(r.get(1)) != 0);
        }
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }
}
