package dev.tasks.spring.boot;

import dev.tasks.TaskRegistry;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A {@link Worker} inside the application, running its task beans ({@link TaskBeans}): started once every
 * singleton exists, and warm-stopped when the context closes, in phase {@link #PHASE} (after the web server has
 * drained its requests, before the beans the tasks use, such as the DataSource, are destroyed). The warm stop
 * gives prefetched tasks back at once and lets running tasks finish for {@code tasks.worker.shutdown-grace}, then
 * gives back what still runs; Spring waits for it on another thread, bounded by
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
public final class EmbeddedWorker implements SmartLifecycle {
    /** The lifecycle phase: stops after the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}). */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

    private static final Logger log = LogSafe.logger(EmbeddedWorker.class);

    private final Broker broker;
    private final TasksProperties.Worker settings;
    private final ListableBeanFactory beans;
    private final Supplier<MeterRegistry> meters;
    private final Clock clock;
    private volatile Worker worker;

    EmbeddedWorker(Broker broker, TasksProperties.Worker settings, ListableBeanFactory beans, Supplier<MeterRegistry> meters,
            Clock clock) {
        this.broker = broker;
        this.settings = settings;
        this.beans = beans;
        this.meters = meters;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (worker != null) {
            return;
        }
        TaskRegistry registry = TaskBeans.registry(beans);
        Worker.Builder b = Worker.builder().broker(broker).registry(registry).queues(settings.getQueues())
                .lease(settings.getLease()).shutdownGrace(settings.getShutdownGrace())
                .fetchWait(settings.getFetchWait()).maxDeliveries(settings.getMaxDeliveries()).clock(clock);
        if (settings.getConcurrency() != null) {
            b.concurrency(settings.getConcurrency());
        }
        if (settings.getPrefetch() != null) {
            b.prefetch(settings.getPrefetch());
        }
        MeterRegistry registryOfMeters = meters.get();
        if (registryOfMeters != null) {
            b.meterRegistry(registryOfMeters);
        }
        Worker w = b.build();
        w.start();
        worker = w;
        log.info("tasks: embedded worker started on queues {} with {} task(s)", settings.getQueues(),
                registry.definitions().size());
    }

    @Override
    public void stop() {
        Worker w = worker;
        if (w != null) {
            w.stop(settings.getShutdownGrace());
        }
    }

    @Override
    public void stop(Runnable callback) {
        Worker w = worker;
        if (w == null) {
            callback.run();
            return;
        }
        Thread t = new Thread(() -> {
            try {
                w.stop(settings.getShutdownGrace());
            } finally {
                callback.run();
            }
        }, "tasks-embedded-worker-stop");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public boolean isRunning() {
        Worker w = worker;
        return w != null && w.state() != WorkerState.TERMINATED;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The worker once started. */
    public Optional<Worker> worker() {
        return Optional.ofNullable(worker);
    }
}
