package dev.tasks.redis;

import dev.tasks.BrokerException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Commands sent in one round trip per server, in groups that each name a key. On a single server (or
 * Sentinel's master) all groups go in one pipeline, and a connection failure is thrown as it is. On a
 * Cluster each node gets its own pipeline with the groups whose key's slot it serves, and a node that
 * cannot be reached, or whose connection breaks, fails only its own groups: the replies of the other
 * nodes are complete (so what a healthy node did, e.g. leased messages, is never dropped with the failed
 * one). The driver's own cluster pipeline drops every reply of a failed node without a word, and never
 * renews its slot map; here each node failure is reported to a listener (which renews it).
 *
 * <p>A group's commands are all sent to the node of its key: every key of a group must share its slot
 * (the queue keys share a hash tag).
 */
final class GroupedPipeline {

    /**
     * Why a group has no replies: its node could not be reached ({@code sent} false: none of its commands
     * were sent), or the connection broke after they were sent ({@code sent} true: whether they took
     * effect is unknown).
     */
    record Failure(JedisConnectionException cause, boolean sent) {

        /** What the caller of {@code operation} is told: which node failed, and whether it may have taken effect. */
        BrokerException toException(String operation, String where) {
            return new BrokerException("Redis " + operation + " failed: lost connection to the node of " + where
                    + " that serves it" + (sent ? "; whether it took effect is unknown"
                            : "; it did not take effect (nothing was sent)") + " (" + cause.getMessage() + ")", cause);
        }
    }

    /** Every group failed: thrown so that the caller treats it as the loss of the connection it is. */
    static final class AllFailed extends JedisConnectionException {
        private final boolean sent;

        AllFailed(Failure first) {
            super(first.cause().getMessage(), first.cause());
            this.sent = first.sent();
        }

        /** Whether commands were sent to a node before its connection broke (else none took effect). */
        boolean sent() {
            return sent;
        }
    }

    private final List<String> keys = new ArrayList<>();
    private final List<Consumer<AbstractPipeline>> commands = new ArrayList<>();

    /** Adds a group: {@code commands} queues commands whose keys all share the slot of {@code key}. */
    int add(String key, Consumer<AbstractPipeline> groupCommands) {
        keys.add(key);
        commands.add(groupCommands);
        return keys.size() - 1;
    }

    boolean isEmpty() {
        return keys.isEmpty();
    }

    /**
     * Sends the groups and waits for every reply. Returns, by group index, why a group failed (null for a
     * group whose replies are all set).
     *
     * @param throwWhenAllFail on a Cluster, throw {@link AllFailed} when every group failed (else only
     *     return the failures)
     * @throws JedisConnectionException on a single server when the connection fails
     */
    Failure[] run(UnifiedJedis jedis, Consumer<JedisConnectionException> onNodeFailure, boolean throwWhenAllFail) {
        Failure[] failures = new Failure[keys.size()];
        if (keys.isEmpty()) {
            return failures;
        }
        if (!(jedis instanceof RedisClusterClient cluster)) {
            try (AbstractPipeline p = jedis.pipelined()) {
                commands.forEach(c -> c.accept(p));
                p.sync();
            }
            return failures;
        }
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(keys.get(i)), s -> new ArrayList<>()).add(i);
        }
        Map<HostAndPort, NodeBatch> nodes = new LinkedHashMap<>();
        try {
            for (Map.Entry<Integer, List<Integer>> e : bySlot.entrySet()) {
                Connection connection;
                try {
                    connection = cluster.getConnectionFromSlot(e.getKey());
                } catch (JedisConnectionException | JedisClusterOperationException failure) {
                    // Its node is down, or (after a renewal while it is failed) no node serves the slot yet.
                    JedisConnectionException notReached = failure instanceof JedisConnectionException c ? c
                            : new JedisConnectionException(failure.getMessage(), failure);
                    onNodeFailure.accept(notReached);
                    for (int g : e.getValue()) {
                        failures[g] = new Failure(notReached, false);
                    }
                    continue;
                }
                NodeBatch batch = nodes.get(connection.getHostAndPort());
                if (batch == null) {
                    batch = new NodeBatch(new Pipeline(connection, true));
                    nodes.put(connection.getHostAndPort(), batch);
                } else {
                    connection.close(); // back to its pool: the node already has a connection in this run
                }
                for (int g : e.getValue()) {
                    batch.groups.add(g);
                    if (batch.broken == null) {
                        try {
                            commands.get(g).accept(batch.pipeline);
                        } catch (JedisConnectionException broke) {
                            batch.broken = broke; // a full send buffer was flushed to a dead connection
                        }
                    }
                }
            }
            for (NodeBatch batch : nodes.values()) {
                if (batch.broken == null) {
                    try {
                        batch.pipeline.sync();
                    } catch (JedisConnectionException broke) {
                        batch.broken = broke;
                    }
                }
                if (batch.broken != null) {
                    onNodeFailure.accept(batch.broken);
                    for (int g : batch.groups) {
                        failures[g] = new Failure(batch.broken, true);
                    }
                }
            }
        } finally {
            for (NodeBatch batch : nodes.values()) {
                batch.close();
            }
        }
        if (!throwWhenAllFail) {
            return failures;
        }
        Failure first = null;
        for (Failure f : failures) {
            if (f == null) {
                return failures;
            }
            if (first == null || (f.sent() && !first.sent())) {
                first = f;
            }
        }
        throw new AllFailed(first);
    }

    /** One node's pipeline and the groups sent in it. */
    private static final class NodeBatch {
        final Pipeline pipeline;
        final List<Integer> groups = new ArrayList<>();
        JedisConnectionException broken;

        NodeBatch(Pipeline pipeline) {
            this.pipeline = pipeline;
        }

        void close() {
            try {
                pipeline.close();
            } catch (RuntimeException e) {
                // The connection broke (already reported); closing it returns it to its pool as broken.
            }
        }
    }
}
