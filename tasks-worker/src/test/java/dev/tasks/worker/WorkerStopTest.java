package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.QueueStats;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A stopping worker lets the broker calls of its housekeeping finish instead of interrupting them. */
class WorkerStopTest {
    private final Recorder rec = new Recorder();
    private final TaskRegistry registry =
            TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec)).build();

    @Test
    void stop_waits_for_a_queue_poll_in_progress_and_does_not_interrupt_it() throws Exception {
        CountDownLatch inStats = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean blockNext = new AtomicBoolean(true);
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            ForwardingBroker slowStats = new ForwardingBroker(memory) {
                @Override
                public QueueStats stats(String queue) {
                    if (blockNext.getAndSet(false)) {
                        inStats.countDown();
                        try {
                            // Stands for a query on a database that an interrupt would break (H2 closes its
                            // file); it outlasts the rest of the shutdown sequence.
                            release.await(3, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            interrupted.set(true);
                            Thread.currentThread().interrupt();
                        }
                        interrupted.compareAndSet(false, Thread.currentThread().isInterrupted());
                    }
                    return super.stats(queue);
                }
            };
            Worker worker = Worker.builder().broker(slowStats).registry(registry).concurrency(2).build();
            worker.start();
            assertThat(inStats.await(10, TimeUnit.SECONDS)).isTrue();
            Thread stopper = new Thread(() -> worker.stop(Duration.ofSeconds(5)), "test-stopper");
            stopper.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> worker.state() == WorkerState.STOPPING);
            stopper.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(stopper.isAlive()).isFalse();
            assertThat(worker.state()).isEqualTo(WorkerState.TERMINATED);
            assertThat(interrupted).as("the poll's thread was interrupted").isFalse();
        }
    }
}
