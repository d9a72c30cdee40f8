package dev.tasks.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.StreamEntryID;

/**
 * The Redis keys of one queue. Every key carries the hash tag {@code {q:<queue>}}, so in a Redis Cluster
 * all of them live in one slot and each script touches one slot:
 * <pre>
 *   &lt;prefix&gt;:{q:orders}:s:0 .. :s:9     one stream per priority level, consumer group "tasks"
 *   &lt;prefix&gt;:{q:orders}:delayed         ZSET task id -&gt; due time (ms)
 *   &lt;prefix&gt;:{q:orders}:delayed:data    HASH task id -&gt; "level|payload"
 *   &lt;prefix&gt;:{q:orders}:dead            STREAM of dead letters
 *   &lt;prefix&gt;:{q:orders}:r:0 .. :r:9     one stream of redeliveries per level, consumer group "tasks"
 *   &lt;prefix&gt;:{q:orders}:wake            STREAM of at most one entry, added when a delayed message becomes
 *                                     the queue's earliest: a fetch waiting until the due time it knew
 *                                     watches it (see {@link MessageClaimer})
 * </pre>
 * A member names one delivery: {@code <level>-<entry id>} for an entry of a level's stream, or
 * {@code r<level>-<entry id>} for an entry of a level's redelivery stream. A message whose lease ran out (or
 * that was released) is delivered again as a copy in its level's redelivery stream, its old entry deleted,
 * so every delivery is its own entry: acknowledging a delivery is a plain {@code XACK} + {@code XDEL} of its
 * entry, and a stale receipt names an entry that no longer exists. A delivery's lease is its entry in the
 * group's pending list, held by a consumer named after the lease's length ({@code l30000}: 30 s), and runs
 * out when the entry's idle time reaches that length. The order of {@link #all()} is what the scripts
 * expect in {@code KEYS}.
 */
final class QueueKeys {
    static final int LEVELS = 10;
    /** The consumer group of every stream. */
    static final String GROUP = "tasks";
    /** Larger millisecond values lose precision as Redis scores (doubles); far-future times are clamped. */
    static final long MAX_MILLIS = 1L << 52;

    private final String queue;
    private final String tag;
    private final List<String> all;
    private final Map<String, String> labels;
    private final Map<String, StreamEntryID> unread;

    QueueKeys(String prefix, String queue) {
        this.queue = queue;
        this.tag = prefix + ":{q:" + queue + "}";
        List<String> keys = new ArrayList<>(2 * LEVELS + 4);
        for (int level = 0; level < LEVELS; level++) {
            keys.add(tag + ":s:" + level);
        }
        keys.add(tag + ":delayed");
        keys.add(tag + ":delayed:data");
        keys.add(tag + ":dead");
        for (int level = 0; level < LEVELS; level++) {
            keys.add(tag + ":r:" + level);
        }
        keys.add(tag + ":wake");
        this.all = List.copyOf(keys);
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, StreamEntryID> unread = new LinkedHashMap<>();
        for (int level = LEVELS - 1; level >= 0; level--) {
            labels.put(redelivered(level), "r" + level);
            labels.put(stream(level), Integer.toString(level));
        }
        labels.keySet().forEach(k -> unread.put(k, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        this.labels = Collections.unmodifiableMap(labels);
        this.unread = Collections.unmodifiableMap(unread);
    }

    /**
     * Every stream of the queue mapped to {@code >} (entries never delivered to the group), highest level
     * first and a level's redeliveries before its fresh messages: what one {@code XREADGROUP} of them all
     * takes.
     */
    Map<String, StreamEntryID> unread() {
        return unread;
    }

    /** How members name a stream of this queue: {@code "r<level>"} for redeliveries, else the level. */
    String label(String stream) {
        String label = labels.get(stream);
        if (label == null) {
            throw new IllegalArgumentException(stream + " is not a stream of queue " + queue);
        }
        return label;
    }

    String queue() {
        return queue;
    }

    /** The consumer whose pending entries are leased for this long. */
    static String consumerFor(java.time.Duration lease) {
        return "l" + Math.min(lease.toMillis(), MAX_MILLIS);
    }

    /** All keys, in the order the queue scripts expect. */
    List<String> all() {
        return all;
    }

    String stream(int level) {
        return all.get(level);
    }

    /** The stream of a level's redeliveries. */
    String redelivered(int level) {
        return all.get(LEVELS + 3 + level);
    }

    /** The stream holding a member's entry. */
    String streamOf(String member) {
        return member.charAt(0) == 'r' ? redelivered(member.charAt(1) - '0') : stream(member.charAt(0) - '0');
    }

    /** The stream entry id of a member. */
    static String entryIdOf(String member) {
        return member.substring(member.indexOf('-') + 1);
    }

    /** The sorted set of delayed messages (score: due time in ms). */
    String delayed() {
        return all.get(LEVELS);
    }

    /** The hash of delayed messages' level and payload ({@code "level|payload"} by task id). */
    String delayedData() {
        return all.get(LEVELS + 1);
    }

    /** The wake stream: an entry says a delayed message became the queue's earliest. */
    String wake() {
        return all.get(2 * LEVELS + 3);
    }

    String dead() {
        return all.get(12);
    }
}
