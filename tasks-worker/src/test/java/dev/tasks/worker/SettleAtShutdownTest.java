package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A settling operation that keeps failing is retried until the shutdown grace period ends, then left leased. */
class SettleAtShutdownTest {
    private final Recorder rec = new Recorder();
    private final TaskRegistry registry =
            TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec)).build();

    @Test
    void a_dead_letter_failing_through_the_grace_period_is_left_leased_and_the_worker_stops() {
        AtomicInteger failedDeadLetters = new AtomicInteger();
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            ForwardingBroker down = new ForwardingBroker(memory) {
                @Override
                public void deadLetter(Delivery delivery, String reason) {
                    failedDeadLetters.incrementAndGet();
                    throw new BrokerException("connection lost (test)");
                }
            };
            Worker worker = Worker.builder().broker(down).registry(registry).queues("settle-stop").concurrency(1)
                    .fetchWait(Duration.ofMillis(50)).lease(Duration.ofSeconds(60))
                    .heartbeatInterval(Duration.ofSeconds(5)).build();
            worker.start();
            EnvelopeCodec codec = EnvelopeCodec.json();
            Envelope e = Envelope.builder("settle-stop-1", "wt.notRetryable").args(codec.encodeArgs(new Object[] {"s"}))
                    .queue("settle-stop").createdAt(Instant.now()).build();
            memory.publish(new OutboundMessage(e.id(), "settle-stop", e.priority(), null, codec.encode(e)));
            await().atMost(Duration.ofSeconds(20)).until(() -> failedDeadLetters.get() >= 2);
            long t0 = System.nanoTime();
            worker.stop(Duration.ofSeconds(1));
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            int attempts = failedDeadLetters.get();
            assertThat(worker.state()).isEqualTo(WorkerState.TERMINATED);
            assertThat(stopMillis).as("ms to stop with a grace period of 1 s").isLessThan(10_000);
            // Still leased (not dead-lettered, not given back): redelivered when its lease runs out.
            QueueStats s = memory.stats("settle-stop");
            assertThat(s.inFlight()).as("in flight in %s", s).isEqualTo(1);
            assertThat(memory.deadLetters("settle-stop", 10)).isEmpty();
            assertThat(rec.count("s")).isEqualTo(1);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> failedDeadLetters.get() == attempts);
        }
    }
}
