package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process profiles in their own JVMs: {@code tasks run orders-worker} and {@code tasks run scheduler}, both
 * declared in the working directory's {@code tasks.properties} next to the one broker URL (a private
 * redis-server), start a worker that runs a task sent to its queue and a beat that enqueues its schedule;
 * SIGTERM ends both with exit code 0.
 */
class RunProfileProcessTest {

    @TempDir
    Path dir;

    @Test
    void profiles_from_tasks_properties_start_a_worker_and_a_beat() throws Exception {
        Path work = Files.createDirectories(dir.resolve("app"));
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            String runLog = redis.url() + "?key=profile-runs";
            Path schedules = work.resolve("beat.properties");
            Files.writeString(schedules, "beat.schedule.tick.interval=1s\nbeat.schedule.tick.task=rel.record\n"
                    + "beat.schedule.tick.args=[\"tick\", 0]\nbeat.schedule.tick.queue=profile-orders\n");
            Files.writeString(work.resolve("tasks.properties"), "tasks.broker.url=" + redis.url() + "\n"
                    + "tasks.process.orders-worker=worker -Q profile-orders -c 2 --app " + RelTaskProvider.class.getName() + "\n"
                    + "tasks.process.scheduler=beat --schedule-file " + schedules + "\n");
            try (RunLog log = RunLog.open(runLog);
                    WorkerProcess worker = WorkerProcess.builder(work.resolve("worker.log"))
                            .systemProperty("rel.runlog", runLog).args("run", "orders-worker").start();
                    WorkerProcess beat = WorkerProcess.builder(work.resolve("beat.log"))
                            .args("run", "scheduler").start();
                    RedisBroker broker = RedisBroker.builder().url(redis.url()).build();
                    Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
                tasks.send(Signature.of("rel.record", "sent-to-profile", 0L).queue("profile-orders"));
                await().atMost(Duration.ofSeconds(60))
                        .failFast("a process exited", () -> !worker.isAlive() || !beat.isAlive())
                        .until(() -> log.runs().getOrDefault("sent-to-profile", 0L) == 1
                                && log.runs().getOrDefault("tick", 0L) >= 1);
                assertThat(worker.log()).contains("queues=[profile-orders]").contains("concurrency=2");
                worker.terminate();
                beat.terminate();
                assertThat(worker.waitFor(60)).as(worker.log()).isZero();
                assertThat(beat.waitFor(60)).as(beat.log()).isZero();
                assertThat(log.runs().get("sent-to-profile")).isEqualTo(1L);
            }
        }
    }
}
