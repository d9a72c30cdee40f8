package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.worker.Recorder;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerTestTasks;
import dev.tasks.worker.WorkerTestTasksImpl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisMonitor;
import redis.clients.jedis.RedisClient;

/**
 * What an idle worker costs its Redis: on a private {@code redis-server} (so no other client's commands
 * count), a worker on 2 and on 20 empty queues runs at most {@value #MAX_COMMANDS_PER_SECOND} commands per
 * second, counting the commands its scripts run too (queue depth polls, a cost of their own, apart); a task published to it then still starts at once
 * (a blocking read, not polling), and a delayed task published to it starts when it comes due.
 */
class IdleWorkerCostTest {
    static final double MAX_COMMANDS_PER_SECOND = 5;
    /** How long idle commands are counted. */
    static final Duration WINDOW = Duration.ofSeconds(6);
    /** Publish to start of a task on an idle worker, with room for a loaded machine. */
    static final Duration MAX_START = Duration.ofMillis(150);

    /** How far ahead the delayed task is due: longer than a fetch's wait, so no fetch ends just in time. */
    static final Duration DELAY = Duration.ofMillis(2500);
    private static final EnvelopeCodec codec = EnvelopeCodec.json();
    private static Process server;
    private static int port;

    @BeforeAll
    static void startServer(@TempDir Path dir) throws Exception {
        String binary = findRedisServer();
        port = freePort();
        server = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        await("private redis-server accepting connections").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
                    try (RedisClient c = RedisClient.create(url())) {
                        return "PONG".equals(c.ping());
                    }
                });
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "{0} queues")
    @ValueSource(ints = {2, 20})
    void an_idle_worker_costs_at_most_five_commands_a_second_and_starts_a_task_at_once(int queueCount)
            throws Exception {
        String prefix = TestRedis.freshPrefix();
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < queueCount; i++) {
            queues.add("idle-" + i);
        }
        Recorder rec = new Recorder();
        TaskRegistry registry = TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec))
                .build();
        try (RedisBroker broker = RedisBroker.builder().url(url()).keyPrefix(prefix).clientName("idle-worker")
                .clock(Clock.systemUTC()).build();
                RedisBroker producer = RedisBroker.builder().url(url()).keyPrefix(prefix).clientName("idle-producer")
                        .clock(Clock.systemUTC()).build()) {
            // Queue depth polls (every statsInterval, per queue) are a cost of their own, measured apart (see
            // docs/worker.md): none falls in the window.
            Worker worker = Worker.builder().broker(broker).registry(registry).queues(queues).concurrency(4)
                    .statsInterval(Duration.ofMinutes(5)).shutdownGrace(Duration.ofSeconds(5)).build();
            worker.start();
            try {
                // Past start-up: the fetcher waits in a blocking read.
                await("worker's fetch blocking").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> blocked("idle-worker"));
                Counts idle = count(WINDOW);
                System.out.printf("idle worker on %d queues: %.2f commands/s (%.2f in scripts) over %d ms: %s%n",
                        queueCount, idle.perSecond(idle.clientTotal() + idle.scriptTotal()),
                        idle.perSecond(idle.scriptTotal()), idle.millis(), idle.byCommand());
                assertThat(idle.perSecond(idle.clientTotal() + idle.scriptTotal()))
                        .as("commands a second of an idle worker on %d queues (by command: %s)", queueCount,
                                idle.byCommand())
                        .isLessThanOrEqualTo(MAX_COMMANDS_PER_SECOND);

                await("worker's fetch blocking").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> blocked("idle-worker"));
                String marker = "idle-" + UUID.randomUUID();
                Envelope env = Envelope.builder(UUID.randomUUID().toString(), "wt.record")
                        .args(codec.encodeArgs(new Object[] {marker})).queue(queues.get(queueCount - 1))
                        .createdAt(Instant.now()).build();
                OutboundMessage message = new OutboundMessage(env.id(), env.queue(), env.priority(), null,
                        codec.encode(env));
                long sent = System.nanoTime();
                producer.publish(message);
                // The task only counts its marker: it has started by the time the count shows.
                await("task started").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> rec.count(marker) == 1);
                long startedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                System.out.printf("idle worker on %d queues: a published task ran within %d ms%n", queueCount,
                        startedMillis);
                assertThat(Duration.ofMillis(startedMillis)).as("publish to start on an idle worker")
                        .isLessThanOrEqualTo(MAX_START);

                // A delayed task published to the idle worker: its fetch learns the new due time (the wake
                // stream) and runs it when it comes due, not at its next look.
                await("worker's fetch blocking").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> blocked("idle-worker"));
                String later = "idle-later-" + UUID.randomUUID();
                Instant due = Instant.now().plus(DELAY);
                Envelope delayed = Envelope.builder(UUID.randomUUID().toString(), "wt.record")
                        .args(codec.encodeArgs(new Object[] {later})).queue(queues.get(0)).eta(due)
                        .createdAt(Instant.now()).build();
                producer.publish(new OutboundMessage(delayed.id(), delayed.queue(), delayed.priority(), due,
                        codec.encode(delayed)));
                await("delayed task run").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(() -> rec.count(later) == 1);
                long lateMillis = Duration.between(due, Instant.now()).toMillis();
                System.out.printf("idle worker on %d queues: a delayed task ran within %d ms of its due time%n",
                        queueCount, lateMillis);
                assertThat(Duration.ofMillis(lateMillis)).as("due time to start of a delayed task on an idle worker")
                        .isLessThanOrEqualTo(MAX_START);
            } finally {
                worker.stopNow();
            }
        }
    }

    /** Commands counted on the private server over a window, by client (not by the monitor) and in scripts. */
    record Counts(Map<String, Long> byCommand, long clientTotal, long scriptTotal, long millis) {
        double perSecond(long n) {
            return n * 1000.0 / millis;
        }
    }

    /**
     * Every command the server runs over {@code window} (MONITOR's feed, whose lines carry the server's
     * time), apart from this test's own connections: {@code MONITOR} itself, {@code CLIENT LIST} and markers.
     */
    private static Counts count(Duration window) throws InterruptedException {
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        Jedis monitor = new Jedis(java.net.URI.create(url()));
        Thread t = new Thread(() -> {
            try {
                monitor.monitor(new JedisMonitor() {
                    @Override
                    public void onCommand(String line) {
                        lines.add(line);
                    }
                });
            } catch (RuntimeException closed) {
                // The connection was closed: the feed ends.
            }
        }, "idle-cost-monitor");
        t.setDaemon(true);
        t.start();
        String begin = "idle-cost-begin-" + UUID.randomUUID();
        await("MONITOR on").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            echo(begin);
            return lines.stream().anyMatch(l -> l.contains(begin));
        });
        long from = System.nanoTime();
        // The window is a measurement, not a wait for a condition: it ends when the server's own clock, as the
        // feed shows it, has passed it.
        String end = "idle-cost-end-" + UUID.randomUUID();
        await("counting window").atMost(window.plusSeconds(20)).pollDelay(window).pollInterval(Duration.ofMillis(50))
                .until(() -> System.nanoTime() - from >= window.toNanos());
        echo(end);
        await("MONITOR feed reaching its end marker").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10)).until(() -> lines.stream().anyMatch(l -> l.contains(end)));
        monitor.close();
        t.join(5000);
        Map<String, Long> by = new TreeMap<>();
        long client = 0;
        long script = 0;
        double first = -1;
        double last = -1;
        boolean in = false;
        for (String line : lines) {
            if (line.contains(begin)) {
                in = true;
                first = Double.parseDouble(line.substring(0, line.indexOf(' ')));
                continue;
            }
            if (line.contains(end)) {
                last = Double.parseDouble(line.substring(0, line.indexOf(' ')));
                break;
            }
            if (!in || line.contains("idle-cost-")) {
                continue;
            }
            int close = line.indexOf(']');
            String rest = line.substring(close + 1).trim();
            String cmd = rest.substring(1, rest.indexOf('"', 1)).toUpperCase(java.util.Locale.ROOT);
            boolean inScript = line.contains(" lua]");
            if (cmd.equals("CLIENT") || cmd.equals("PING")) {
                continue;
            }
            by.merge(inScript ? "lua:" + cmd : cmd, 1L, Long::sum);
            if (inScript) {
                script++;
            } else {
                client++;
            }
        }
        return new Counts(by, client, script, Math.max(1, Math.round((last - first) * 1000)));
    }

    private static boolean blocked(String clientName) {
        try (RedisClient c = RedisClient.create(url())) {
            Object list = c.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "LIST");
            String text = list instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                    : String.valueOf(list);
            for (String entry : text.split("\r?\n")) {
                if (entry.contains(" name=" + clientName + " ") && entry.matches(".* flags=[a-zA-Z]*b[a-zA-Z]* .*")) {
                    return true;
                }
            }
            return false;
        }
    }

    private static void echo(String text) {
        try (RedisClient c = RedisClient.create(url())) {
            c.echo(text);
        }
    }

    private static String url() {
        return "redis://127.0.0.1:" + port;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String findRedisServer() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("redis-server is not on the PATH under CI=true");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, "redis-server is not on the PATH, skipping");
        return null;
    }
}
