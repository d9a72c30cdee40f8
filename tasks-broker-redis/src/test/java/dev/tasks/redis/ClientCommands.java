package dev.tasks.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisMonitor;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * What the connections of one named client do on the shared test server, apart from every other client
 * of it: counts come from {@code MONITOR}'s feed filtered by the addresses of the client's connections
 * ({@code CLIENT LIST}), so they hold however busy other clients keep the server (its {@code INFO}
 * statistics count every client). Start it before the commands to count; close it after.
 */
final class ClientCommands implements AutoCloseable {
    private final String clientName;
    private final Jedis monitor;
    private final Thread thread;
    /** The feed's lines that may matter: commands of a client (not of scripts) and our markers. */
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    /** Addresses ever seen on the client's connections (a connection closed meanwhile still counts). */
    private final Set<String> addresses = new HashSet<>();
    private final String markerPrefix = "client-commands-marker-" + UUID.randomUUID();

    ClientCommands(String clientName) {
        this.clientName = clientName;
        java.net.URI uri = java.net.URI.create(TestRedis.url());
        this.monitor = new Jedis(uri);
        this.thread = new Thread(() -> {
            try {
                monitor.monitor(new JedisMonitor() {
                    @Override
                    public void onCommand(String line) {
                        if (!line.contains(" lua]")) {
                            lines.add(line);
                        }
                    }
                });
            } catch (RuntimeException closed) {
                // close() shut the connection: the feed ends.
            }
        }, "client-commands-monitor");
        thread.setDaemon(true);
        thread.start();
        // MONITOR is on once a marker sent after the call shows in the feed.
        Awaitility.await("MONITOR starting").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    marker();
                    return lines.stream().anyMatch(l -> l.contains(markerPrefix));
                });
    }

    /** How many {@code command}s (e.g. {@code EVALSHA}) the client's connections ran since this was started. */
    long count(String command) {
        sync();
        refreshAddresses();
        String quoted = "\"" + command.toLowerCase(java.util.Locale.ROOT) + "\"";
        long n = 0;
        for (String line : lines) {
            int open = line.indexOf('[');
            int close = line.indexOf(']', open + 1);
            if (open < 0 || close < 0) {
                continue;
            }
            String where = line.substring(open + 1, close);
            String addr = where.substring(where.indexOf(' ') + 1);
            if (addresses.contains(addr) && line.substring(close + 1).trim().toLowerCase(java.util.Locale.ROOT)
                    .startsWith(quoted)) {
                n++;
            }
        }
        return n;
    }

    /** Whether one of the connections named {@code clientName} is blocked in a command (a waiting XREAD) now. */
    static boolean blocked(String clientName) {
        for (String entry : clientList()) {
            if (entry.contains(" name=" + clientName + " ") && entry.matches(".* flags=[a-zA-Z]*b[a-zA-Z]* .*")) {
                return true;
            }
        }
        return false;
    }

    private void refreshAddresses() {
        for (String entry : clientList()) {
            if (entry.contains(" name=" + clientName + " ")) {
                int at = entry.indexOf(" addr=") + " addr=".length();
                addresses.add(entry.substring(at, entry.indexOf(' ', at)));
            }
        }
    }

    private static List<String> clientList() {
        try (RedisClient c = TestRedis.client()) {
            Object list = c.sendCommand(Protocol.Command.CLIENT, "LIST");
            String text = list instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(list);
            return List.of(text.split("\r?\n"));
        }
    }

    /** Sends a unique marker through a connection of its own (not the client's), returns it. */
    private String marker() {
        String m = markerPrefix + "-" + UUID.randomUUID();
        try (RedisClient c = TestRedis.client()) {
            c.echo(m);
        }
        return m;
    }

    /** Sends a marker and waits until the feed shows it: everything the server ran before is in the feed then. */
    private void sync() {
        String m = marker();
        Awaitility.await("MONITOR feed reaching its marker").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> lines.stream().anyMatch(l -> l.contains(m)));
    }

    @Override
    public void close() {
        monitor.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
