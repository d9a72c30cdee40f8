package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.QueueStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * Load, behind {@code -Dtasks.soak=true} only: 1,000,000 no-op tasks through a private Redis with two
 * worker processes. Throughput, heap and RSS of the workers are sampled every 5 s and must stay flat;
 * Redis memory ({@code INFO memory}) must return to its baseline once the queue is drained.
 * Run: {@code ./mvnw -B -o -pl tasks-reliability -am verify -Dtasks.soak=true -Dtest=RedisSoakTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsurefire.forkedProcessTimeoutInSeconds=3600}.
 */
@EnabledIfSystemProperty(named = "tasks.soak", matches = "true")
class RedisSoakTest {
    private static final Logger log = LoggerFactory.getLogger(RedisSoakTest.class);
    private static final int N = Integer.getInteger("tasks.soak.tasks", 1_000_000);

    @TempDir
    static Path dir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(dir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    record Sample(long seconds, long done, long rate, long heapKb1, long rssKb1, long heapKb2, long rssKb2) {}

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void a_million_no_op_tasks_through_two_workers_keep_throughput_and_memory_flat() throws Exception {
        String queue = "soak-" + UUID.randomUUID().toString().substring(0, 8);
        try (RedisClient admin = RedisClient.create(server.url());
                RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            broker.stats(queue);
            long baseline = usedMemory(admin);
            long t0 = System.nanoTime();
            List<Signature> batch = new ArrayList<>(1000);
            for (int i = 0; i < N; i++) {
                batch.add(Signature.of("rel.noop", (long) i).queue(queue));
                if (batch.size() == 1000) {
                    tasks.sendAll(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                tasks.sendAll(batch);
            }
            long enqueueMillis = (System.nanoTime() - t0) / 1_000_000;
            long peak = usedMemory(admin);
            log.info("enqueued {} tasks in {} ms ({} /s); Redis used_memory {} -> {} bytes", N, enqueueMillis,
                    N * 1000L / Math.max(1, enqueueMillis), baseline, peak);

            List<Sample> samples = new ArrayList<>();
            try (WorkerProcess w1 = worker(queue, "w1"); WorkerProcess w2 = worker(queue, "w2")) {
                long start = System.nanoTime();
                long lastDone = 0;
                long lastNanos = start;
                while (true) {
                    await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
                    assertThat(w1.isAlive()).as(w1.log()).isTrue();
                    assertThat(w2.isAlive()).as(w2.log()).isTrue();
                    QueueStats s = broker.stats(queue);
                    long done = N - s.ready() - s.inFlight() - s.delayed();
                    long now = System.nanoTime();
                    long rate = (done - lastDone) * 1_000_000_000L / Math.max(1, now - lastNanos);
                    Sample sample = new Sample((now - start) / 1_000_000_000L, done, rate, heapKb(w1.pid()),
                            rssKb(w1.pid()), heapKb(w2.pid()), rssKb(w2.pid()));
                    samples.add(sample);
                    log.info("soak sample: {}", sample);
                    lastDone = done;
                    lastNanos = now;
                    if (done >= N) {
                        break;
                    }
                }
                long totalMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(broker.deadLetters(queue, 10)).isEmpty();
                long drained = usedMemory(admin);
                log.info("soak: {} tasks run by two workers in {} ms ({} /s); Redis used_memory baseline {}, peak {},"
                        + " drained {} bytes", N, totalMillis, N * 1000L / Math.max(1, totalMillis), baseline, peak,
                        drained);
                assertThat(drained).as("Redis memory back to baseline").isLessThan(baseline + 2 * 1024 * 1024);
                w1.terminate();
                w2.terminate();
                assertThat(w1.waitFor(30)).isZero();
                assertThat(w2.waitFor(30)).isZero();
            }
            // Flat: the last third of the run against the first third (after the first sample's warm-up).
            List<Sample> steady = samples.subList(1, Math.max(1, samples.size() - 1));
            if (steady.size() >= 6) {
                int third = steady.size() / 3;
                List<Sample> first = steady.subList(0, third);
                List<Sample> last = steady.subList(steady.size() - third, steady.size());
                assertThat(avg(last, Sample::rate)).as("throughput").isGreaterThan(avg(first, Sample::rate) * 0.6);
                assertThat(max(last, Sample::rssKb1)).as("RSS of worker 1").isLessThan(max(first, Sample::rssKb1) * 1.3);
                assertThat(max(last, Sample::rssKb2)).as("RSS of worker 2").isLessThan(max(first, Sample::rssKb2) * 1.3);
            }
        }
    }

    private WorkerProcess worker(String queue, String name) {
        return WorkerProcess.builder(dir.resolve(name + ".log"))
                .jvm("-Xmx512m")
                .worker(queue, "--broker", server.url(), "-c", "8", "--prefetch", "32", "--worker-id", name)
                .start();
    }

    private static double avg(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        return s.stream().mapToLong(f).average().orElse(0);
    }

    private static double max(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        return s.stream().mapToLong(f).max().orElse(0);
    }

    private static long usedMemory(RedisClient c) {
        for (String line : c.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("no used_memory in INFO memory");
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap in use (KB) as {@code jcmd GC.heap_info} reports it. */
    private static long heapKb(long pid) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
