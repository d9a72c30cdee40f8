package dev.tasks.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * A private Sentinel setup for one test: a master, one replica and three Sentinels (quorum 2), each
 * process in its own directory on a free port; the Sentinels fail over {@code downAfterMillis} after the
 * master stops answering. {@link #close()} kills every process (a shutdown hook of each does too if the
 * JVM exits first).
 */
final class RedisSentinelSet implements AutoCloseable {
    static final String MASTER_NAME = "mymaster";

    private final List<RedisServer> servers = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private RedisServer master;
    private RedisServer replica;

    private RedisSentinelSet() {}

    /** Starts the master, its replica and the Sentinels; returns when every Sentinel knows them all. */
    static RedisSentinelSet start(Path dir, long downAfterMillis) {
        RedisSentinelSet s = new RedisSentinelSet();
        try {
            Path masterDir = Files.createDirectories(dir.resolve("master"));
            s.master = RedisServer.start(masterDir);
            s.servers.add(s.master);
            Path replicaDir = Files.createDirectories(dir.resolve("replica"));
            s.replica = RedisServer.start(replicaDir, "--replicaof", "127.0.0.1", Integer.toString(s.master.port()));
            s.servers.add(s.replica);
            for (int i = 0; i < 3; i++) {
                Path sentinelDir = Files.createDirectories(dir.resolve("sentinel-" + i));
                Path conf = sentinelDir.resolve("sentinel.conf");
                Files.writeString(conf, String.join("\n",
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + s.master.port() + " 2",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " " + downAfterMillis,
                        "sentinel failover-timeout " + MASTER_NAME + " 10000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1", ""));
                s.sentinels.add(RedisServer.startSentinel(sentinelDir, RedisServer.freePort(), conf));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(s::settled);
            return s;
        } catch (IOException e) {
            s.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    /** The replica is in sync and every Sentinel knows it and the two other Sentinels. */
    private boolean settled() {
        if (!info(replica, "replication").contains("master_link_status:up")) {
            return false;
        }
        for (RedisServer sentinel : sentinels) {
            Map<String, String> m = sentinelMaster(sentinel);
            if (!"1".equals(m.get("num-slaves")) || !"2".equals(m.get("num-other-sentinels"))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> sentinelMaster(RedisServer sentinel) {
        Map<String, String> out = new HashMap<>();
        try (RedisClient c = RedisCluster.client(sentinel)) {
            Object reply = c.sendCommand(Protocol.Command.SENTINEL, "MASTER", MASTER_NAME);
            if (reply instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i) instanceof Map.Entry<?, ?> e) { // the driver pairs up the fields
                        out.put(text(e.getKey()), text(e.getValue()));
                    } else if (i + 1 < l.size()) {
                        out.put(text(l.get(i)), text(l.get(++i)));
                    }
                }
            }
        } catch (RuntimeException e) {
            // not up yet
        }
        return out;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static String info(RedisServer n, String section) {
        try (RedisClient c = RedisCluster.client(n)) {
            return c.info(section);
        } catch (RuntimeException e) {
            return "";
        }
    }

    RedisServer master() {
        return master;
    }

    /** Whether the replica says it is the master now. */
    boolean replicaPromoted() {
        return info(replica, "replication").contains("role:master");
    }

    /** {@code redis-sentinel://} URL naming the three Sentinels. */
    String url() {
        return "redis-sentinel://" + sentinels.stream().map(n -> new HostAndPort("127.0.0.1", n.port()).toString())
                .collect(Collectors.joining(",")) + "/0?master=" + MASTER_NAME;
    }

    @Override
    public void close() {
        for (RedisServer n : sentinels) {
            n.close();
        }
        for (RedisServer n : servers) {
            n.close();
        }
    }
}
