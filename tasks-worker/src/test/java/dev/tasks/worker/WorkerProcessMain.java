package dev.tasks.worker;

import dev.tasks.Brokers;
import dev.tasks.TaskRegistry;
import dev.tasks.TasksConfig;
import dev.tasks.spi.Broker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A worker embedded in a process of its own, as an application that embeds the runtime runs it:
 * {@code WorkerProcessMain CONFIG QUEUE}. It runs {@link CliFixtureTasks} with one thread and a prefetch
 * of 5; SIGTERM runs the JVM's shutdown hooks, whose hook here stops the worker with a 30 s grace, so the
 * running task finishes and the prefetched ones are given back before the process exits 0.
 */
public final class WorkerProcessMain {
    private WorkerProcessMain() {}

    public static void main(String[] args) throws Exception {
        TasksConfig config = TasksConfig.builder().file(Path.of(args[0])).build();
        TaskRegistry.Builder registry = TaskRegistry.builder();
        new CliFixtureProvider().register(registry);
        Duration grace = Duration.ofSeconds(30);
        try (Broker broker = Brokers.open(config.brokerSettings(Clock.systemUTC()))) {
            Worker worker = Worker.builder().broker(broker).registry(registry.build()).queues(List.of(args[1]))
                    .concurrency(1).prefetch(5).shutdownGrace(grace).build();
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                worker.stop(grace);
                try {
                    main.join(grace.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "test-worker-stop"));
            worker.start();
            worker.awaitTermination(Duration.ofHours(1));
        }
    }
}
