package dev.tasks.micrometer;

import dev.tasks.spi.PublishMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link PublishMetrics} as Micrometer counters, all tagged {@code task} and {@code queue} (Prometheus names in
 * brackets): {@code tasks.published} [{@code tasks_published_total}], {@code tasks.publish.failed}
 * [{@code tasks_publish_failed_total}], {@code tasks.publish.rejected} (also tagged {@code reason})
 * [{@code tasks_publish_rejected_total}] and {@code tasks.publish.after.commit.lost}
 * [{@code tasks_publish_after_commit_lost_total}]. The series are listed in {@code docs/metrics.md}.
 *
 * <p>Needs {@code io.micrometer:micrometer-core} on the class path ({@code tasks-api} declares it optional).
 * Thread-safe; counters are created on first use and cached.
 * <pre>{@code
 * Tasks tasks = Tasks.builder().brokerUrl(url).metrics(new MicrometerPublishMetrics(meterRegistry)).build();
 * }</pre>
 */
public final class MicrometerPublishMetrics implements PublishMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** Registers the counters in {@code registry} as they are first used. */
    public MicrometerPublishMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void published(String task, String queue) {
        counter("tasks.published", "messages the broker accepted from this producer", task, queue, null).increment();
    }

    @Override
    public void failed(String task, String queue) {
        counter("tasks.publish.failed", "publishes that threw because the broker failed", task, queue, null)
                .increment();
    }

    @Override
    public void rejected(String task, String queue, String reason) {
        counter("tasks.publish.rejected", "calls refused before anything was sent", task, queue, reason).increment();
    }

    @Override
    public void afterCommitLost(String task, String queue) {
        counter("tasks.publish.after.commit.lost", "delayOnCommit tasks lost: the publish after the commit failed",
                task, queue, null).increment();
    }

    private Counter counter(String name, String description, String task, String queue, String reason) {
        String key = name + '\u0000' + task + '\u0000' + queue + '\u0000' + reason;
        Counter c = counters.get(key);
        if (c != null) {
            return c;
        }
        return counters.computeIfAbsent(key, k -> {
            Counter.Builder b = Counter.builder(name).description(description).tag("task", task).tag("queue", queue);
            if (reason != null) {
                b.tag("reason", reason);
            }
            return b.register(registry);
        });
    }
}
