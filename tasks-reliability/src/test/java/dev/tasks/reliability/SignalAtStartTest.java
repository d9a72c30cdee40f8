package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM at several moments of a worker process's life ends in exit code 0 and loses nothing: right after
 * {@code main} began (before logging or option parsing; for beat too), while the broker is being opened (a server that
 * accepts the connection and never answers holds the start there), while tasks run, and again and again
 * during the shutdown that follows. Separate JVMs, a private Redis server.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SignalAtStartTest {
    private static final Logger log = LoggerFactory.getLogger(SignalAtStartTest.class);
    /** The child JVMs only start and run a few tasks: the client compiler starts them sooner. */
    private static final String QUICK_START = "-XX:TieredStopAtLevel=1";

    @TempDir
    static Path serverDir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sigterm_right_after_main_began_exits_0(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("handlers-installed");
        try (WorkerProcess p = WorkerProcess.builder(dir.resolve("worker.log")).jvm(QUICK_START)
                .systemProperty("tasks.internal.startSignalsMarker", marker.toString())
                .worker("sig-" + UUID.randomUUID().toString().substring(0, 8), "--broker", server.url())
                .start()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
                    .until(() -> Files.exists(marker) || !p.isAlive());
            long inMain = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - p.startedNanos());
            p.terminate();
            int code = p.waitFor(30);
            log.info("SIGTERM {} ms after the launch, as main began: exit {}", inMain, code);
            assertThat(code).as("exit code; log:%n%s", p.log()).isZero();
            assertThat(p.log()).as("it stopped before logging anything").doesNotContain("configuration:");
        }
    }

    @Test
    void beat_sigterm_right_after_main_began_exits_0(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("handlers-installed");
        Path schedules = dir.resolve("beat.properties");
        Files.writeString(schedules, "beat.schedule.tick.interval=1h\nbeat.schedule.tick.task=rel.noop\n"
                + "beat.schedule.tick.args=[1]\n");
        try (WorkerProcess p = WorkerProcess.builder(dir.resolve("beat.log")).jvm(QUICK_START)
                .mainClass("dev.tasks.beat.cli.BeatMain")
                .systemProperty("tasks.internal.startSignalsMarker", marker.toString())
                .env("TASKS_REDIS_KEY_PREFIX", "sig" + UUID.randomUUID().toString().substring(0, 8))
                .args("--broker", server.url(), "--schedule-file", schedules.toString())
                .start()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
                    .until(() -> Files.exists(marker) || !p.isAlive());
            p.terminate();
            int code = p.waitFor(30);
            log.info("beat: SIGTERM as main began: exit {}", code);
            assertThat(code).as("exit code; log:%n%s", p.log()).isZero();
            assertThat(p.log()).as("it stopped before running").doesNotContain("beat: running");
        }
    }

    @Test
    void sigterm_while_the_broker_is_being_opened_exits_0(@TempDir Path dir) throws Exception {
        // A server that accepts connections and never answers: the start waits for the broker's first reply.
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "test-silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            try (WorkerProcess p = WorkerProcess.builder(dir.resolve("worker.log")).jvm(QUICK_START)
                    .env("TASKS_REDIS_TIMEOUT", "PT60S")
                    .worker("sig-" + UUID.randomUUID().toString().substring(0, 8),
                            "--broker", "redis://127.0.0.1:" + silent.getLocalPort())
                    .start()) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                        .until(() -> !accepted.isEmpty() || !p.isAlive());
                assertThat(p.isAlive()).as("still starting; log:%n%s", p.log()).isTrue();
                p.terminate();
                int code = p.waitFor(30);
                log.info("SIGTERM while the broker was being opened: exit {}", code);
                assertThat(code).as("exit code; log:%n%s", p.log()).isZero();
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void sigterm_while_running_and_again_during_shutdown_exits_0_and_loses_nothing(@TempDir Path dir) throws Exception {
        String queue = "sig-" + UUID.randomUUID().toString().substring(0, 8);
        String runLog = RedisRunLog.url(server, "runs-" + queue);
        int n = 12;
        try (Broker broker = RedisBroker.builder().url(server.url()).build(); RunLog runs = RunLog.open(runLog);
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            List<Signature> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(Signature.of("rel.record", "k" + i, 1500L).queue(queue));
            }
            tasks.sendAll(batch);
            try (WorkerProcess first = worker(dir, "first", queue, runLog)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> broker.stats(queue).inFlight() > 0 || !first.isAlive());
                first.terminate();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                        .until(() -> first.log().contains("warm shutdown") || !first.isAlive());
                first.terminate();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                        .until(() -> first.log().contains("cold shutdown") || !first.isAlive());
                first.terminate();
                int code = first.waitFor(30);
                log.info("SIGTERM while running, then twice during shutdown: exit {}, {} of {} tasks run", code,
                        runs.distinct(), n);
                assertThat(code).as("exit code; log:%n%s", first.log()).isZero();
            }
            // Nothing lost: what did not run is back on the queue, ready for the next worker, and nothing is held.
            QueueStats after = broker.stats(queue);
            long ran = runs.distinct();
            log.info("after the signals: {} ran, {}", ran, after);
            assertThat(after.inFlight()).as("everything held was given back: %s", after).isZero();
            // A task that finished just as the cold shutdown gave it back is both: at most the concurrency.
            assertThat(ran + after.ready()).as("tasks that ran plus tasks ready again: %s", after).isBetween((long) n,
                    n + 4L);
        }
    }

    private static WorkerProcess worker(Path dir, String name, String queue, String runLog) {
        return WorkerProcess.builder(dir.resolve(name + ".log")).jvm(QUICK_START)
                .systemProperty("rel.runlog", runLog)
                .worker(queue, "--broker", server.url(), "-c", "4", "--prefetch", "4", "--grace", "20s",
                        "--worker-id", name)
                .start();
    }
}
