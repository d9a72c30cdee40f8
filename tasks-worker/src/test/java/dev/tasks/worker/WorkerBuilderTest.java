package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.OutboundMessage;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WorkerBuilderTest {

    private final Recorder rec = new Recorder();
    private final TaskRegistry registry =
            TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec)).build();

    @Test
    void rejects_bad_settings_naming_the_parameter_and_bound() {
        Worker.Builder b = Worker.builder();
        assertThatThrownBy(() -> b.concurrency(0)).hasMessage("concurrency must be >= 1, was 0");
        assertThatThrownBy(() -> b.prefetch(-1)).hasMessage("prefetch must be >= 0, was -1");
        assertThatThrownBy(() -> b.queues("bad queue")).hasMessageContaining("invalid queue name 'bad queue'");
        assertThatThrownBy(() -> b.queues(List.of())).hasMessage("queues must not be empty");
        assertThatThrownBy(() -> b.lease(Duration.ofMillis(10))).hasMessageContaining("lease must be >= PT1S");
        assertThatThrownBy(() -> b.maxDeliveries(0)).hasMessage("maxDeliveries must be >= 1, was 0");
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("broker is required");
    }

    @Test
    void refuses_a_heartbeat_that_is_not_well_below_the_lease() {
        try (InMemoryBroker broker = InMemoryBroker.create()) {
            Worker.Builder b = Worker.builder().broker(broker).registry(registry).lease(Duration.ofSeconds(10))
                    .heartbeatInterval(Duration.ofSeconds(5));
            assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("at most a third of the lease PT10S");
        }
    }

    @Test
    void snapshots_the_configuration_with_documented_defaults() {
        try (InMemoryBroker broker = InMemoryBroker.create()) {
            Worker.Builder b = Worker.builder().broker(broker).registry(registry).concurrency(3);
            Worker w = b.build();
            b.concurrency(7);
            WorkerConfig c = w.config();
            assertThat(c.concurrency()).isEqualTo(3);
            assertThat(c.prefetch()).isEqualTo(Worker.DEFAULT_PREFETCH_PER_SLOT * 3);
            assertThat(c.maxStuckThreads()).isEqualTo(3);
            assertThat(c.queues()).containsExactly("default");
            assertThat(c.lease()).isEqualTo(WorkerConfig.DEFAULT_LEASE);
            assertThat(c.pool()).isEqualTo(PoolType.PLATFORM);
            assertThat(c.describe()).contains("concurrency=3").contains("queues=[default]").contains("lease=PT5M");
            assertThat(w.state()).isEqualTo(WorkerState.NEW);
            w.close();
            assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        }
    }

    @Test
    void virtual_pool_fails_clearly_on_a_jvm_without_virtual_threads() {
        assumeThat(Runtime.version().feature()).isLessThan(21);
        try (InMemoryBroker broker = InMemoryBroker.create()) {
            Worker.Builder b = Worker.builder().broker(broker).registry(registry).pool(PoolType.VIRTUAL);
            assertThatThrownBy(b::build).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("needs a JVM with virtual threads (Java 21 or later)");
        }
    }

    @Test
    void virtual_pool_runs_tasks_on_named_virtual_threads() {
        assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
        try (InMemoryBroker broker = InMemoryBroker.create()) {
            Worker w = Worker.builder().broker(broker).registry(registry).queues("vq").pool(PoolType.VIRTUAL)
                    .concurrency(4).fetchWait(Duration.ofMillis(50)).build();
            w.start();
            try {
                for (int i = 0; i < 50; i++) {
                    Envelope e = Envelope.builder(UUID.randomUUID().toString(), "wt.record")
                            .args(EnvelopeCodec.json().encodeArgs(new Object[] {"v" + i})).build();
                    broker.publish(new OutboundMessage(e.id(), "vq", 0, null, EnvelopeCodec.json().encode(e)));
                }
                Envelope e = Envelope.builder(UUID.randomUUID().toString(), "wt.threadName")
                        .args(EnvelopeCodec.json().encodeArgs(new Object[] {"name"})).build();
                broker.publish(new OutboundMessage(e.id(), "vq", 0, null, EnvelopeCodec.json().encode(e)));
                await().atMost(Duration.ofSeconds(20)).until(() -> rec.counts().size() == 50 && !rec.events().isEmpty());
                assertThat(rec.events().get(0)).matches("name:tasks-worker-vq-\\d+:virtual");
            } finally {
                w.stop(Duration.ofSeconds(5));
            }
        }
    }
}
