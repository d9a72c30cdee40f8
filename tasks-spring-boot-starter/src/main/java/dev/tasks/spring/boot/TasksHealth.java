package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The health of tasks, for the Actuator indicators of Boot 3 ({@link TasksHealthIndicator}) and Boot 4
 * ({@link TasksBoot4HealthIndicator}): up when the broker answers a queue count and the embedded worker (if any)
 * runs; down when the worker terminated while the application runs (it stopped by itself, for instance with too
 * many stuck threads). A broker call that fails throws, which the indicators report as down.
 */
final class TasksHealth {
    private final Broker broker;
    private final EmbeddedWorker worker;
    private final List<String> queues;

    TasksHealth(Broker broker, EmbeddedWorker worker, List<String> queues) {
        this.broker = broker;
        this.worker = worker;
        this.queues = queues;
    }

    /** The outcome of one check. */
    record Result(boolean up, Map<String, Object> details) {}

    Result check() {
        String queue = queues.isEmpty() ? dev.tasks.spi.Queues.DEFAULT_QUEUE : queues.get(0);
        QueueStats stats = broker.stats(queue);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("broker", broker.getClass().getSimpleName());
        details.put("queue", queue);
        details.put("ready", stats.ready());
        details.put("delayed", stats.delayed());
        details.put("inFlight", stats.inFlight());
        details.put("dead", stats.dead());
        boolean up = true;
        Optional<Worker> w = worker == null ? Optional.empty() : worker.worker();
        if (w.isPresent()) {
            WorkerState state = w.get().state();
            details.put("worker", state.name());
            details.put("workerInFlight", w.get().inFlight());
            details.put("stuckThreads", w.get().stuckThreads());
            if (state == WorkerState.TERMINATED) {
                up = false;
                details.put("termination", w.get().termination().map(Enum::name).orElse("stopped"));
            }
        }
        return new Result(up, details);
    }
}
