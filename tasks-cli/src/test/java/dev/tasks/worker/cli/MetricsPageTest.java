package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.EnqueueOptions;
import dev.tasks.TaskHandle;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.TaskRegistry;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.micrometer.MicrometerPublishMetrics;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.worker.Worker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/metrics.md true: a worker on the in-memory broker runs a task that succeeds, one that fails for
 * good (with a listener that throws) and a malformed message, and a producer counts publishes through
 * {@link MicrometerPublishMetrics}, all into one Prometheus registry. Every {@code tasks_} metric family of the
 * scrape must be on the page, and every {@code tasks_} name on the page must be a family of the scrape (or one
 * of its {@code _bucket}, {@code _count}, {@code _sum} samples).
 */
class MetricsPageTest {
    private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (tasks_[a-z_]+) ");
    private static final Pattern PAGE_NAME = Pattern.compile("\\btasks_[a-z_]+");

    @Test
    void every_tasks_series_of_a_scrape_is_on_the_page_and_the_page_names_no_other() throws Exception {
        String page = Files.readString(page(), StandardCharsets.UTF_8);
        Set<String> families = families(scrape());
        assertThat(families).as("the scrape exercises the worker, hooks and publish metrics")
                .contains("tasks_received_total", "tasks_hook_failures_total", "tasks_published_total");

        Set<String> missing = new TreeSet<>();
        for (String family : families) {
            if (!Pattern.compile("`" + family + "[`{]").matcher(page).find()) {
                missing.add(family);
            }
        }
        assertThat(missing).as("series exported but not listed in docs/metrics.md").isEmpty();

        Set<String> unknown = new TreeSet<>();
        Matcher m = PAGE_NAME.matcher(page);
        while (m.find()) {
            String name = m.group().replaceFirst("_(bucket|count|sum)$", "");
            if (!families.contains(name) && !families.contains(m.group())) {
                unknown.add(m.group());
            }
        }
        assertThat(unknown).as("names in docs/metrics.md that no meter exports").isEmpty();
    }

    static Set<String> families(String scrape) {
        Set<String> out = new TreeSet<>();
        Matcher m = TYPE.matcher(scrape);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String scrape() throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TaskRegistry registry = TaskRegistry.builder().register(ObserveTasks.class, new ObserveTasks.Impl()).build();
        TaskListener throwing = new TaskListener() {
            @Override
            public void onDeadLetter(TaskInfo task, String reason) {
                throw new IllegalStateException("a listener that fails");
            }
        };
        try (InMemoryBroker broker = InMemoryBroker.create();
                Tasks tasks = Tasks.builder().broker(broker).metrics(new MicrometerPublishMetrics(meters)).build();
                Worker worker = Worker.builder().broker(broker).registry(registry).queues("p").concurrency(1)
                        .fetchWait(Duration.ofMillis(50)).listener(throwing).meterRegistry(meters).build()) {
            worker.start();
            TaskHandle ok = tasks.delay(ObserveTasks.class, t -> t.echo("hi"), EnqueueOptions.defaults().queue("p"));
            TaskHandle bad = tasks.delay(ObserveTasks.class, t -> t.fail("no"), EnqueueOptions.defaults().queue("p"));
            assertThat(ok.await(Duration.ofSeconds(20)).state()).isEqualTo(TaskState.SUCCESS);
            assertThat(bad.await(Duration.ofSeconds(20)).state()).isEqualTo(TaskState.FAILURE);
            broker.publish(new OutboundMessage("m1", "p", 0, null, "not an envelope"));
            MicrometerPublishMetrics publish = new MicrometerPublishMetrics(meters);
            publish.failed("observe.echo", "p");
            publish.rejected("observe.echo", "p", "too_large");
            publish.afterCommitLost("observe.echo", "p");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(families(meters.scrape()))
                    .contains("tasks_dead_lettered_total", "tasks_hook_failures_total", "tasks_queue_depth"));
            return meters.scrape();
        }
    }

    private static Path page() {
        for (Path candidate : new Path[] {Path.of("..", "docs", "metrics.md"), Path.of("docs", "metrics.md")}) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("docs/metrics.md not found from " + Path.of("").toAbsolutePath());
    }
}
