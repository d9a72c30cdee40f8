package dev.tasks.examples.docs;

import dev.tasks.TaskRegistry;
import dev.tasks.spi.Broker;
import dev.tasks.worker.PoolType;
import dev.tasks.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/** A worker started by the application itself instead of the {@code worker} command. */
public final class EmbeddedWorker {
    private EmbeddedWorker() {}

    static Worker start(Broker broker, TaskRegistry registry, MeterRegistry meters) {
        Worker worker = Worker.builder()
                .broker(broker)
                .registry(registry)
                .queues("invoices", "pdf")
                .concurrency(8)
                .pool(PoolType.PLATFORM)
                .prefetch(8)
                .lease(Duration.ofMinutes(5))
                .shutdownGrace(Duration.ofSeconds(30))
                .unknownTaskGrace(Duration.ofMinutes(10))
                .meterRegistry(meters)
                .build();
        worker.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> worker.stop(Duration.ofSeconds(30)), "worker-stop"));
        return worker;
    }
}
