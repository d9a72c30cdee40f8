package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of tasks: UP when the broker answers a queue count and the embedded worker (if any) runs;
 * DOWN when the broker call fails, or the worker terminated while the application runs (it stopped by itself,
 * for instance with too many stuck threads). Details: the worker's state, tasks in flight and stuck threads, and
 * the counts of the first queue it consumes.
 */
public final class TasksHealthIndicator extends AbstractHealthIndicator {
    private final Broker broker;
    private final EmbeddedWorker worker;
    private final List<String> queues;

    TasksHealthIndicator(Broker broker, EmbeddedWorker worker, List<String> queues) {
        super("tasks health check failed");
        this.broker = broker;
        this.worker = worker;
        this.queues = queues;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        String queue = queues.isEmpty() ? dev.tasks.spi.Queues.DEFAULT_QUEUE : queues.get(0);
        QueueStats stats = broker.stats(queue); // throws when the broker is unreachable: DOWN with the exception
        health.up().withDetail("broker", broker.getClass().getSimpleName())
                .withDetail("queue", queue).withDetail("ready", stats.ready()).withDetail("delayed", stats.delayed())
                .withDetail("inFlight", stats.inFlight()).withDetail("dead", stats.dead());
        Optional<Worker> w = worker == null ? Optional.empty() : worker.worker();
        if (w.isPresent()) {
            WorkerState state = w.get().state();
            health.withDetail("worker", state.name()).withDetail("workerInFlight", w.get().inFlight())
                    .withDetail("stuckThreads", w.get().stuckThreads());
            if (state == WorkerState.TERMINATED) {
                health.down().withDetail("termination", w.get().termination().map(Enum::name).orElse("stopped"));
            }
        }
    }
}
