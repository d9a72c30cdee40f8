package dev.tasks.redis;

import dev.tasks.spi.Queues;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys of one broker: each queue's {@link QueueKeys}, made once per queue name, and the set of queue
 * names. Thread-safe.
 */
final class Keyspace {
    private final String prefix;
    private final String queuesKey;
    private final Map<String, QueueKeys> keys = new ConcurrentHashMap<>();

    Keyspace(String prefix) {
        this.prefix = prefix;
        this.queuesKey = prefix + ":queues";
    }

    /** The keys of a queue. */
    QueueKeys of(String queue) {
        return keys.computeIfAbsent(queue, q -> new QueueKeys(prefix, q));
    }

    /** The set holding the name of every queue published to. */
    String queuesKey() {
        return queuesKey;
    }

    /** Whether a queue name is valid; names this broker has keys for are known to be (no regex per call). */
    boolean isValidQueue(String queue) {
        return queue != null && (keys.containsKey(queue) || Queues.isValid(queue));
    }
}
