package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task limited to 10 runs a second, run by two worker processes with 4 slots each: the limit holds across
 * both (the counter lives in the broker), both take part, and every task runs once.
 */
class CrossProcessRateLimitTest {
    private static final int TASKS = 30;
    private static final long SPACING_MILLIS = 100; // "10/s"

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

    @Test
    void a_rate_limit_holds_across_two_worker_processes() {
        String runLog = RedisRunLog.url(server, "rate-runs");
        List<WorkerProcess> workers = new ArrayList<>();
        try (RunLog log = RunLog.open(runLog)) {
            for (int i = 0; i < 2; i++) {
                workers.add(WorkerProcess.builder(dir.resolve("worker-" + i + ".log"))
                        .systemProperty("rel.runlog", runLog)
                        .worker("ratelimited", "--broker", server.url(), "-c", "4")
                        .start());
            }
            try (RedisBroker broker = RedisBroker.builder().url(server.url()).build();
                    Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
                List<Signature> batch = new ArrayList<>();
                for (int i = 0; i < TASKS; i++) {
                    batch.add(Signature.of("rel.limited", "t" + i).queue("ratelimited"));
                }
                tasks.sendAll(batch);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> log.distinct() >= TASKS);

            List<Long> starts = new ArrayList<>();
            Set<String> keys = new HashSet<>();
            Set<String> pids = new HashSet<>();
            for (String run : log.runs().keySet()) {
                String[] parts = run.split("\\|");
                keys.add(parts[0]);
                pids.add(parts[1]);
                starts.add(Long.parseLong(parts[2]));
            }
            starts.sort(null);
            assertThat(keys).as("every task ran once").hasSize(TASKS);
            assertThat(log.runs().values()).allMatch(n -> n == 1);
            assertThat(pids).as("both worker processes ran tasks").hasSize(2);
            long span = starts.get(starts.size() - 1) - starts.get(0);
            // 30 runs at one per 100 ms take at least 2.9 s; allow 15 % for clock reads and scheduling.
            assertThat(span).as("first to last start, ms").isGreaterThanOrEqualTo((long) ((TASKS - 1) * SPACING_MILLIS * 0.85));
            for (int i = 10; i < starts.size(); i++) {
                assertThat(starts.get(i) - starts.get(i - 10)).as("any 11 consecutive starts span about a second")
                        .isGreaterThanOrEqualTo((long) (10 * SPACING_MILLIS * 0.85));
            }
        } finally {
            workers.forEach(WorkerProcess::close);
        }
    }
}
