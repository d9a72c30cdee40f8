package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.WorkerInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Queue-depth gauges exported by one worker per queue, and the workers' records in the broker. */
class FleetMetricsTest {
    private final TaskRegistry registry = TaskRegistry.builder()
            .register(WorkerTestTasks.class, new WorkerTestTasksImpl(new Recorder())).build();

    private Worker worker(InMemoryBroker broker, String id, SimpleMeterRegistry meters) {
        return Worker.builder().broker(broker).registry(registry).queues("fleet").concurrency(2).workerId(id)
                .fetchWait(Duration.ofMillis(50)).statsInterval(Duration.ofMillis(100)).meterRegistry(meters).build();
    }

    private static boolean exportsDepth(SimpleMeterRegistry meters) {
        return meters.find("tasks.queue.depth").tag("queue", "fleet").tag("state", "ready").gauge() != null;
    }

    @Test
    void one_worker_of_a_queue_exports_its_depth_and_another_takes_over_when_it_stops() {
        SimpleMeterRegistry a = new SimpleMeterRegistry();
        SimpleMeterRegistry b = new SimpleMeterRegistry();
        try (InMemoryBroker broker = new InMemoryBroker(Clock.systemUTC());
                Worker first = worker(broker, "w-a", a);
                Worker second = worker(broker, "w-b", b)) {
            first.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> exportsDepth(a));
            second.start();
            // several stats intervals of the second worker: it never exports while the first holds the lock
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertThat(exportsDepth(b)).isFalse();
            assertThat(exportsDepth(a)).isTrue();

            first.stop(Duration.ofSeconds(5));
            assertThat(exportsDepth(a)).isFalse();
            await().atMost(Duration.ofSeconds(3)).until(() -> exportsDepth(b));
        }
    }

    @Test
    void a_worker_records_itself_in_the_broker_while_it_runs() {
        try (InMemoryBroker broker = new InMemoryBroker(Clock.systemUTC());
                Worker w = worker(broker, "w-rec", new SimpleMeterRegistry())) {
            Instant before = Instant.now();
            w.start();
            List<WorkerInfo> records = broker.workers().orElseThrow().list();
            assertThat(records).hasSize(1);
            WorkerInfo info = records.get(0);
            assertThat(info.workerId()).isEqualTo("w-rec");
            assertThat(info.queues()).containsExactly("fleet");
            assertThat(info.concurrency()).isEqualTo(2);
            assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(info.startedAt()).isAfterOrEqualTo(before.minusMillis(1));
            assertThat(info.isStale(Instant.now())).isFalse();
            assertThat(WorkerInfo.fromJson(info.toJson())).contains(info);

            w.stop(Duration.ofSeconds(5));
            assertThat(broker.workers().orElseThrow().list()).isEmpty();
        }
    }
}
