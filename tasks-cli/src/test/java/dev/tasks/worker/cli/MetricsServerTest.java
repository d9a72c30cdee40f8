package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.worker.CliFixtureTasks;
import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.worker.Worker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    @Test
    void serves_worker_meters_in_prometheus_text_format() throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TaskRegistry registry = TaskRegistry.builder().register(CliFixtureTasks.class, (key, millis) -> { }).build();
        try (InMemoryBroker broker = InMemoryBroker.create();
                MetricsServer server = MetricsServer.start(0, meters);
                Worker worker = Worker.builder().broker(broker).registry(registry).queues("m").concurrency(1)
                        .fetchWait(Duration.ofMillis(50)).meterRegistry(meters).build()) {
            worker.start();
            Envelope e = Envelope.builder("t1", "cli.work").args(EnvelopeCodec.json().encodeArgs(new Object[] {"k", 0L}))
                    .build();
            broker.publish(new OutboundMessage("t1", "m", 0, null, EnvelopeCodec.json().encode(e)));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
                assertThat(r.body())
                        .contains("tasks_succeeded_total{queue=\"m\",task=\"cli.work\"} 1.0")
                        .contains("tasks_received_total").contains("tasks_run_seconds_count")
                        .contains("tasks_in_flight").contains("tasks_queue_depth{queue=\"m\",state=\"ready\"}");
            });
        }
    }
}
