package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.OutboundMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A failure of the worker itself (here: a meter registry that throws) must not leave the task leased until
 * the poison limit, one lease at a time: it is dead-lettered at once with the error as the reason.
 */
class WorkerDefectTest {

    /** A registry whose "tasks.received" counter throws, as a broken metrics back end might. */
    static final class BrokenRegistry extends SimpleMeterRegistry {
        @Override
        protected Counter newCounter(Meter.Id id) {
            Counter real = super.newCounter(id);
            if (!id.getName().equals("tasks.received")) {
                return real;
            }
            return new Counter() {
                @Override
                public void increment(double amount) {
                    throw new IllegalStateException("metrics back end is broken");
                }

                @Override
                public double count() {
                    return real.count();
                }

                @Override
                public Meter.Id getId() {
                    return real.getId();
                }
            };
        }
    }

    @Test
    void an_unexpected_worker_error_dead_letters_the_task_at_once_instead_of_leaving_it_leased() {
        InMemoryBroker broker = new InMemoryBroker(Clock.systemUTC());
        Recorder rec = new Recorder();
        TaskRegistry registry = TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec)).build();
        Envelope e = Envelope.builder("defect-1", "wt.record")
                .args(EnvelopeCodec.json().encodeArgs(new Object[] {"x"})).queue("defects").createdAt(Instant.now()).build();
        broker.publish(new OutboundMessage(e.id(), "defects", 0, null, EnvelopeCodec.json().encode(e)));
        try (Worker worker = Worker.builder().broker(broker).registry(registry).queues("defects").concurrency(1)
                .lease(Duration.ofMinutes(5)).fetchWait(Duration.ofMillis(50)).meterRegistry(new BrokenRegistry()).build()) {
            worker.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> !broker.deadLetters("defects", 10).isEmpty());
            List<DeadLetter> dead = broker.deadLetters("defects", 10);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).messageId()).isEqualTo("defect-1");
            assertThat(dead.get(0).reason()).contains("unexpected error in the worker")
                    .contains("metrics back end is broken");
            assertThat(broker.stats("defects").inFlight()).isZero();
        } finally {
            broker.close();
        }
    }
}
