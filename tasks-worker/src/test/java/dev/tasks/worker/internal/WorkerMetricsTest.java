package dev.tasks.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {

    @Test
    void timers_are_published_as_histograms_with_fixed_buckets_not_quantiles() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WorkerMetrics.TaskMeters m = new WorkerMetrics(registry).task("shop.charge", "billing");
        m.run.record(70, TimeUnit.MILLISECONDS);
        m.recordWait(Duration.ofSeconds(3));

        String text = registry.scrape();

        assertThat(text).contains("# TYPE tasks_run_seconds histogram")
                .contains("tasks_run_seconds_bucket{queue=\"billing\",task=\"shop.charge\",le=\"0.05\"} 0")
                .contains("tasks_run_seconds_bucket{queue=\"billing\",task=\"shop.charge\",le=\"0.1\"} 1")
                .contains("tasks_run_seconds_bucket{queue=\"billing\",task=\"shop.charge\",le=\"3600.0\"} 1")
                .contains("tasks_queue_wait_seconds_bucket{queue=\"billing\",task=\"shop.charge\",le=\"2.5\"} 0")
                .contains("tasks_queue_wait_seconds_bucket{queue=\"billing\",task=\"shop.charge\",le=\"5.0\"} 1")
                .doesNotContain("quantile=");
        assertThat(text.lines().filter(l -> l.startsWith("tasks_run_seconds_bucket"))).hasSize(
                WorkerMetrics.RUN_BUCKETS.size() + 1);
    }
}
