package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.EnqueueOptions;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.worker.Termination;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/live} and {@code /health/ready} of a worker over HTTP, with the worker in this JVM on the
 * in-memory broker: the states a worker goes through (running, shutting down, stopped, stopped by itself),
 * and a broker that hangs. The same endpoints against real brokers made unreachable are in
 * {@code HealthProcessTest}.
 */
class HealthEndpointsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Path release;

    @AfterEach
    void releaseTasks() throws Exception {
        if (release != null && !Files.exists(release)) {
            Files.writeString(release, "");
        }
    }

    /** An HTTP answer: status and body. */
    record Answer(int status, String body) {}

    static Answer get(int port, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    private static Worker worker(InMemoryBroker broker, int maxStuckThreads) {
        TaskRegistry registry = TaskRegistry.builder().register(ObserveTasks.class, new ObserveTasks.Impl()).build();
        return Worker.builder().broker(broker).registry(registry).queues("h").concurrency(1).prefetch(0)
                .maxStuckThreads(maxStuckThreads).fetchWait(Duration.ofMillis(50)).build();
    }

    @Test
    void a_running_worker_is_live_and_ready_and_not_live_once_it_shuts_down() throws Exception {
        release = dir.resolve("release");
        try (InMemoryBroker broker = InMemoryBroker.create();
                WorkerHealth health = new WorkerHealth(broker, "h");
                MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        health);
                Tasks tasks = Tasks.builder().broker(broker).build()) {
            int port = server.port();
            assertThat(get(port, "/health/live").status()).as("starting: live").isEqualTo(200);
            Answer starting = get(port, "/health/ready");
            assertThat(starting.status()).isEqualTo(503);
            assertThat(starting.body()).contains("\"status\":\"DOWN\"").contains("\"reason\":\"the worker is starting\"");

            Worker worker = worker(broker, 1);
            health.watch(worker);
            worker.start();
            Answer ready = get(port, "/health/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body()).startsWith("{\"status\":\"UP\",\"worker\":\"RUNNING\",\"id\":\"")
                    .contains("\"running\":0").contains("\"queue\":\"h\"");
            assertThat(get(port, "/health/live").body()).startsWith("{\"status\":\"UP\",\"worker\":\"RUNNING\"");
            assertThat(get(port, "/metrics").status()).isEqualTo(200);

            tasks.delay(ObserveTasks.class, t -> t.hold(release.toString()), EnqueueOptions.defaults().queue("h"));
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.inFlight() == 1);
            assertThat(get(port, "/health/ready").body()).contains("\"running\":1");
            Thread stopper = new Thread(() -> worker.stop(Duration.ofSeconds(30)), "test-stopper");
            stopper.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.state() == WorkerState.STOPPING);
            Answer live = get(port, "/health/live");
            assertThat(live.status()).isEqualTo(503);
            assertThat(live.body()).contains("\"reason\":\"the worker is shutting down\"").contains("\"worker\":\"STOPPING\"");
            assertThat(get(port, "/health/ready").status()).isEqualTo(503);

            Files.writeString(release, "");
            stopper.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(worker.state()).isEqualTo(WorkerState.TERMINATED);
            assertThat(get(port, "/health/live").body()).contains("\"reason\":\"the worker has stopped\"");
        }
    }

    @Test
    void a_worker_that_stopped_itself_for_stuck_threads_is_not_live() throws Exception {
        release = dir.resolve("unstick");
        try (InMemoryBroker broker = InMemoryBroker.create();
                WorkerHealth health = new WorkerHealth(broker, "h");
                MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        health);
                Tasks tasks = Tasks.builder().broker(broker).build()) {
            Worker worker = worker(broker, 0);
            health.watch(worker);
            worker.start();
            assertThat(get(server.port(), "/health/live").status()).isEqualTo(200);
            tasks.delay(ObserveTasks.class, t -> t.stick(release.toString()), EnqueueOptions.defaults().queue("h"));
            assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
            assertThat(worker.termination()).contains(Termination.TOO_MANY_STUCK_THREADS);
            Answer live = get(server.port(), "/health/live");
            assertThat(live.status()).isEqualTo(503);
            assertThat(live.body()).contains("\"reason\":\"the worker stopped itself: 1 thread(s) stuck past their hard"
                    + " time limit, more than 0 tolerated; restart the process\"").contains("\"stuckThreads\":1");
            assertThat(get(server.port(), "/health/ready").status()).isEqualTo(503);
        }
    }

    @Test
    void a_hanging_broker_makes_ready_answer_503_within_the_probe_timeout_without_piling_up_calls() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (BrokerProbe probe = new BrokerProbe(() -> {
            calls.incrementAndGet();
            try {
                hang.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, Duration.ofMillis(300))) {
            long start = System.nanoTime();
            Optional<String> first = probe.check();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(first).contains("the broker did not answer within 300 ms");
            assertThat(millis).isBetween(250L, 2_000L);
            assertThat(probe.check()).contains("the broker did not answer within 300 ms");
            assertThat(calls.get()).as("the second check waits for the hanging call").isEqualTo(1);
            hang.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> probe.check().isEmpty());
            assertThat(probe.check()).isEmpty();
            assertThat(calls.get()).isGreaterThanOrEqualTo(2);
        }
        try (BrokerProbe failing = new BrokerProbe(() -> {
            throw new dev.tasks.BrokerException("connection refused (redis://127.0.0.1:1)");
        })) {
            assertThat(failing.check()).contains("the broker is unreachable: connection refused (redis://127.0.0.1:1)");
        }
    }

    @Test
    void only_get_and_head_of_the_exact_paths_are_served() throws Exception {
        try (InMemoryBroker broker = InMemoryBroker.create();
                WorkerHealth health = new WorkerHealth(broker, "h");
                MetricsServer server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                        health)) {
            int port = server.port();
            assertThat(get(port, "/health/lively").status()).isEqualTo(404);
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health/live")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health/ready")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(head.statusCode()).isEqualTo(503);
            assertThat(head.headers().firstValue("Content-Type")).contains("application/json");
        }
    }
}
