package dev.tasks.worker.cli;

import dev.tasks.spi.Broker;
import dev.tasks.worker.Termination;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The health of a {@code worker} command, from its {@link Worker}'s state and a {@link BrokerProbe} (the
 * counts of the first consumed queue, as the worker's own fetch would read).
 *
 * <ul>
 *   <li>live: up while the worker starts and runs; down once it is shutting down (a signal, warm or cold)
 *       or stopped, and when it stopped itself because too many threads were stuck past their hard time
 *       limit (the command then exits with code 3);</li>
 *   <li>ready: up while the worker runs (fetches) and the broker answers within
 *       {@link BrokerProbe#TIMEOUT}; down while it starts, when the broker is unreachable or does not
 *       answer, and whenever it is not live.</li>
 * </ul>
 * Thread-safe.
 */
final class WorkerHealth implements Health, AutoCloseable {
    private final String queue;
    private final BrokerProbe probe;
    private final AtomicReference<Worker> worker = new AtomicReference<>();

    /** The health of the worker that {@link #watch(Worker)} names later, consuming {@code queue} first. */
    WorkerHealth(Broker broker, String queue) {
        this.queue = queue;
        this.probe = new BrokerProbe(() -> broker.stats(queue));
    }

    /** The worker to report on (until this is called, the command is starting). */
    void watch(Worker w) {
        worker.set(w);
    }

    @Override
    public Status live() {
        Worker w = worker.get();
        Map<String, Object> details = details(w);
        if (w == null) {
            return Status.up(details);
        }
        return switch (w.state()) {
            case NEW, RUNNING -> Status.up(details);
            case STOPPING -> Status.down("the worker is shutting down", details);
            case TERMINATED -> Status.down(w.termination().orElse(Termination.STOPPED)
                    == Termination.TOO_MANY_STUCK_THREADS
                    ? "the worker stopped itself: " + w.stuckThreads() + " thread(s) stuck past their hard time limit,"
                            + " more than " + w.config().maxStuckThreads() + " tolerated; restart the process"
                    : "the worker has stopped", details);
        };
    }

    @Override
    public Status ready() {
        Status live = live();
        if (!live.up()) {
            return live;
        }
        Worker w = worker.get();
        if (w == null || w.state() != WorkerState.RUNNING) {
            return Status.down("the worker is starting", live.details());
        }
        Optional<String> problem = probe.check();
        Map<String, Object> details = new LinkedHashMap<>(live.details());
        details.put("queue", queue);
        return problem.map(p -> Status.down(p, details)).orElseGet(() -> Status.up(details));
    }

    private static Map<String, Object> details(Worker w) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (w == null) {
            d.put("worker", "STARTING");
            return d;
        }
        d.put("worker", w.state().name());
        d.put("id", w.config().workerId());
        d.put("running", w.inFlight());
        d.put("stuckThreads", w.stuckThreads());
        return d;
    }

    @Override
    public void close() {
        probe.close();
    }
}
