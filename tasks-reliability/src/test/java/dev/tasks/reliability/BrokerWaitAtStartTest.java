package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.beat.cli.BeatMain;
import dev.tasks.redis.RedisBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A worker and a beat started while their Redis is down (separate JVMs, a private redis-server started
 * only after both have seen it refuse them for a few seconds) wait for it with the default broker wait,
 * logging the failure once, and then serve: the worker runs a task enqueued after Redis came up, the beat
 * enqueues its schedule. Neither exits until SIGTERM, and then with 0.
 */
class BrokerWaitAtStartTest {
    private static final Pattern RETRYING = Pattern.compile("retrying with backoff for up to 1m");

    @TempDir
    Path dir;

    @Test
    void a_worker_and_a_beat_started_before_their_redis_wait_for_it_and_then_serve() throws Exception {
        int port = RedisServer.freePort();
        String url = "redis://127.0.0.1:" + port;
        String runLog = url + "?key=wait-runs";
        Path schedules = dir.resolve("beat.properties");
        Files.writeString(schedules, "beat.schedule.tick.interval=1s\nbeat.schedule.tick.task=rel.record\n"
                + "beat.schedule.tick.args=[\"tick\", 0]\nbeat.schedule.tick.queue=waiting\n");
        Files.createDirectories(dir.resolve("redis"));
        try (WorkerProcess worker = WorkerProcess.builder(dir.resolve("worker.log"))
                        .systemProperty("rel.runlog", runLog)
                        .worker("waiting", "--broker", url, "-c", "2").start();
                WorkerProcess beat = WorkerProcess.builder(dir.resolve("beat.log")).mainClass(BeatMain.class.getName())
                        .args("--broker", url, "--schedule-file", schedules.toString()).start()) {
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(3))
                    .failFast("a process exited while Redis was down", () -> !worker.isAlive() || !beat.isAlive())
                    .until(() -> RETRYING.matcher(worker.log()).find() && RETRYING.matcher(beat.log()).find());
            try (RedisServer redis = RedisServer.start(dir.resolve("redis"), port);
                    RunLog log = RunLog.open(runLog);
                    RedisBroker broker = RedisBroker.builder().url(redis.url()).build();
                    Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
                tasks.send(Signature.of("rel.record", "enqueued-after-start", 0L).queue("waiting"));
                await().atMost(Duration.ofSeconds(60))
                        .failFast("a process exited", () -> !worker.isAlive() || !beat.isAlive())
                        .until(() -> log.runs().getOrDefault("enqueued-after-start", 0L) == 1
                                && log.runs().getOrDefault("tick", 0L) >= 1);
                assertThat(RETRYING.matcher(worker.log()).results().count()).as("worker: %s", worker.log()).isEqualTo(1);
                assertThat(RETRYING.matcher(beat.log()).results().count()).as("beat: %s", beat.log()).isEqualTo(1);
                assertThat(worker.log()).contains("broker reachable after");
                LoggerFactory.getLogger(BrokerWaitAtStartTest.class).info("the worker logged while it waited:\n{}\n{}",
                        worker.warnings(), worker.log().lines().filter(l -> l.contains("broker reachable"))
                                .findFirst().orElse(""));
                worker.terminate();
                beat.terminate();
                assertThat(worker.waitFor(60)).as(worker.log()).isZero();
                assertThat(beat.waitFor(60)).as(beat.log()).isZero();
                assertThat(log.runs().get("enqueued-after-start")).isEqualTo(1L);
            }
        }
    }
}
