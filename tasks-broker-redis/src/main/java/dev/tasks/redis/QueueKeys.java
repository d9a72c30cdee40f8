package dev.tasks.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The Redis keys of one queue. Every key carries the hash tag {@code {q:<queue>}}, so in a Redis Cluster
 * all of them live in one slot and each script touches one slot:
 * <pre>
 *   &lt;prefix&gt;:{q:orders}:s:0 .. :s:9     one stream per priority level, consumer group "tasks"
 *   &lt;prefix&gt;:{q:orders}:leases          ZSET member -&gt; lease deadline (ms); 0 = released
 *   &lt;prefix&gt;:{q:orders}:inflight        HASH member -&gt; "token:deliveryCount"
 *   &lt;prefix&gt;:{q:orders}:delayed         ZSET task id -&gt; due time (ms)
 *   &lt;prefix&gt;:{q:orders}:delayed:data    HASH task id -&gt; "level|payload"
 *   &lt;prefix&gt;:{q:orders}:seq             counter of lease tokens
 *   &lt;prefix&gt;:{q:orders}:dead            STREAM of dead letters
 * </pre>
 * A member is {@code <level>-<stream entry id>}. The order of {@link #all()} is what the scripts expect
 * in {@code KEYS}.
 */
final class QueueKeys {
    static final int LEVELS = 10;

    private final String queue;
    private final String tag;
    private final List<String> all;

    QueueKeys(String prefix, String queue) {
        this.queue = queue;
        this.tag = prefix + ":{q:" + queue + "}";
        List<String> keys = new ArrayList<>(16);
        for (int level = 0; level < LEVELS; level++) {
            keys.add(tag + ":s:" + level);
        }
        keys.add(tag + ":leases");
        keys.add(tag + ":inflight");
        keys.add(tag + ":delayed");
        keys.add(tag + ":delayed:data");
        keys.add(tag + ":seq");
        keys.add(tag + ":dead");
        this.all = List.copyOf(keys);
    }

    String queue() {
        return queue;
    }

    /** All keys, in the order the queue scripts expect. */
    List<String> all() {
        return all;
    }

    String stream(int level) {
        return all.get(level);
    }

    String dead() {
        return all.get(15);
    }
}
