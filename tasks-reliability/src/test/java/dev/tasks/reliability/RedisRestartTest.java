package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis server itself dies ({@code kill -9}) and comes back mid-run, with an append-only file synced
 * on every write: the worker and the producer in this JVM carry on without being restarted, enqueue calls
 * fail loudly while it is down, and no task whose enqueue returned normally is lost.
 */
class RedisRestartTest {
    private static final Logger log = LoggerFactory.getLogger(RedisRestartTest.class);

    @TempDir
    static Path dir;
    static RedisServer server;

    @BeforeAll
    static void startServer() {
        server = RedisServer.start(dir, "--appendonly", "yes", "--appendfsync", "always");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void worker_and_producer_ride_out_a_redis_restart_and_no_accepted_task_is_lost() throws Exception {
        String queue = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        int concurrency = 4;
        int prefetch = 4;
        try (RunLog runs = RunLog.open(RedisRunLog.url(server, "runs-" + queue));
                RedisBroker workerBroker = RedisBroker.builder().url(server.url()).timeout(Duration.ofMillis(500))
                        .build();
                RedisBroker producerBroker = RedisBroker.builder().url(server.url()).timeout(Duration.ofMillis(500))
                        .build();
                Tasks tasks = Tasks.builder().broker(producerBroker).declare(RelTasks.class).build();
                LogCapture logs = new LogCapture()) {
            Worker worker = Worker.builder().broker(workerBroker)
                    .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> runs)).build())
                    .queues(queue).concurrency(concurrency).prefetch(prefetch).lease(Duration.ofSeconds(2))
                    .heartbeatInterval(Duration.ofMillis(500)).fetchWait(Duration.ofMillis(200)).build();
            worker.start();
            try {
                Producer producer = new Producer(tasks, queue, "p", 2);
                await().atMost(Duration.ofSeconds(30)).until(() -> runs.distinct() >= 300);
                int acceptedBefore = producer.accepted().size();
                int failedBefore = producer.failures().size();
                assertThat(failedBefore).as("no failures while Redis is up: %s", producer.failures()).isZero();

                server.kill();
                long downAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(20)).until(() -> producer.failures().size() >= 5);
                int acceptedWhileDown = producer.accepted().size();
                int logEventsWhileDown = logs.size();
                await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofSeconds(2)).until(() -> true);
                int warnedWhileDown = logs.size() - logEventsWhileDown;
                server.start();
                long downMillis = (System.nanoTime() - downAt) / 1_000_000;

                await().atMost(Duration.ofSeconds(30)).until(() -> producer.accepted().size() >= acceptedWhileDown + 300);
                producer.close();
                List<String> accepted = producer.accepted();
                Set<String> acceptedSet = new HashSet<>(accepted);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    Map<String, Long> r = runs.runs();
                    assertThat(acceptedSet).allMatch(r::containsKey);
                });
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    QueueStats s = workerBroker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                Map<String, Long> end = runs.runs();
                long duplicates = end.values().stream().mapToLong(c -> c - 1).sum();
                long failedEnqueues = producer.failures().size();
                log.info("redis restart: down {} ms; {} enqueues accepted before the kill, {} in all; {} failed while"
                        + " down; {} log event(s) in 2 s of outage; {} task(s) ran, {} duplicate run(s)", downMillis,
                        acceptedBefore, accepted.size(), failedEnqueues, warnedWhileDown, end.size(), duplicates);

                for (RuntimeException e : producer.failures()) {
                    assertThat(e).isInstanceOf(BrokerException.class);
                    assertThat(e.getMessage()).contains("Redis").contains("127.0.0.1:" + server.port());
                }
                assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
                assertThat(duplicates).as("duplicates stay within what the worker held").isLessThanOrEqualTo(
                        concurrency + prefetch);
                assertThat(end.keySet()).containsAll(acceptedSet);
                assertThat(workerBroker.deadLetters(queue, 10)).isEmpty();
                assertThat(warnedWhileDown).as("no log flood while Redis is down").isLessThan(40);
                assertThat(logs.text()).contains("Connection to Redis at redis://127.0.0.1:" + server.port()
                        + "/0 restored");
            } finally {
                worker.stop(Duration.ofSeconds(5));
            }
        }
    }
}
