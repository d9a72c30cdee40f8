package dev.tasks.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A private Redis Cluster for one test: 3 masters and 3 replicas ({@code redis-server --cluster-enabled
 * yes}, each node in its own directory, on free ports, data and cluster bus alike), created with
 * {@code redis-cli --cluster create}, failing over after {@code nodeTimeoutMillis}. {@link #close()} kills
 * every node (a shutdown hook of each node does too if the JVM exits first).
 */
final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes = new ArrayList<>();

    private RedisCluster() {}

    /**
     * Starts 6 nodes (with {@code extraArgs}, e.g. {@code --cluster-require-full-coverage no}) and joins them
     * into a cluster; returns when every node says the cluster is ok.
     */
    static RedisCluster start(Path dir, long nodeTimeoutMillis, String... extraArgs) {
        Path cli = Env.executable("redis-cli");
        RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < 6; i++) {
                Path nodeDir = dir.resolve("node-" + i);
                Files.createDirectories(nodeDir);
                List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-port", Integer.toString(RedisServer.freePort()),
                        "--cluster-node-timeout", Long.toString(nodeTimeoutMillis)));
                args.addAll(List.of(extraArgs));
                c.nodes.add(RedisServer.start(nodeDir, args.toArray(String[]::new)));
            }
            List<String> cmd = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
            c.nodes.forEach(n -> cmd.add("127.0.0.1:" + n.port()));
            cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Path out = dir.resolve("create.out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create failed: " + Files.readString(out));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(c::settled);
            return c;
        } catch (IOException e) {
            c.close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IllegalStateException("interrupted while creating the cluster", e);
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** Every live node says the cluster is ok, knows all nodes, and every replica is in sync with its master. */
    private boolean settled() {
        for (RedisServer n : nodes) {
            if (!n.isAlive()) {
                continue;
            }
            String info = command(n, "cluster-info");
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:6")) {
                return false;
            }
            String replication = command(n, "replication");
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return false;
            }
        }
        return true;
    }

    private static String command(RedisServer n, String what) {
        try (RedisClient c = client(n)) {
            return what.equals("cluster-info") ? cluster(c, "INFO") : c.info(what);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** {@code CLUSTER <sub>} as text. */
    private static String cluster(RedisClient c, String sub) {
        Object reply = c.sendCommand(Protocol.Command.CLUSTER, sub);
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    static RedisClient client(RedisServer n) {
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", n.port()))
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(1000).clientName("test-admin").build())
                .build();
    }

    /** {@code redis-cluster://} URL naming every node. */
    String url() {
        return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** The node that is master of {@code slot} now (asked of a live node). */
    RedisServer masterOf(int slot) {
        for (RedisServer n : nodes) {
            if (!n.isAlive()) {
                continue;
            }
            try (RedisClient c = client(n)) {
                for (String line : cluster(c, "NODES").split("\n")) {
                    String[] f = line.trim().split(" ");
                    if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                        continue;
                    }
                    for (int i = 8; i < f.length; i++) {
                        String range = f[i];
                        if (range.startsWith("[")) {
                            continue;
                        }
                        int dash = range.indexOf('-');
                        int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                        int to = Integer.parseInt(dash < 0 ? range : range.substring(dash + 1));
                        if (slot >= from && slot <= to) {
                            return byAddress(f[1]);
                        }
                    }
                }
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        throw new IllegalStateException("no live node names a master of slot " + slot);
    }

    /** The replica of {@code master}. */
    RedisServer replicaOf(RedisServer master) {
        for (RedisServer n : nodes) {
            if (n != master && n.isAlive() && command(n, "replication").contains("master_port:" + master.port())) {
                return n;
            }
        }
        throw new IllegalStateException("no replica of the node on port " + master.port());
    }

    /** Whether {@code node} now says it is a master. */
    static boolean isMaster(RedisServer node) {
        return command(node, "replication").contains("role:master");
    }

    /** The slot of the revocation set (which every worker reads before it starts a task). */
    static int slotOfRevocations(String keyPrefix) {
        return JedisClusterCRC16.getSlot(keyPrefix + ":{revoked}:ids");
    }

    /** The slot of a queue's keys (their hash tag, see the Redis broker's key layout). */
    static int slotOfQueue(String keyPrefix, String queue) {
        return JedisClusterCRC16.getSlot(keyPrefix + ":{q:" + queue + "}:delayed");
    }

    private RedisServer byAddress(String address) {
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
        for (RedisServer n : nodes) {
            if (n.port() == port) {
                return n;
            }
        }
        throw new IllegalStateException("no node on port " + port);
    }

    /** The nodes' logs (for failure messages). */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (RedisServer n : nodes) {
            sb.append("--- node ").append(n.port()).append('\n').append(n.log());
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            n.close();
        }
    }
}
