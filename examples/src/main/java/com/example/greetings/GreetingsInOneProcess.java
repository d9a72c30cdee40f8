package com.example.greetings;

import dev.tasks.Brokers;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.worker.Worker;
import java.time.Duration;

/** A producer and a worker in one JVM, on the in-memory broker: for trying things out and for tests. */
public final class GreetingsInOneProcess {
    private GreetingsInOneProcess() {}

    public static void main(String[] args) throws InterruptedException {
        TaskRegistry registry = TaskRegistry.builder().register(GreetingTasks.class, new Greetings()).build();
        try (Broker broker = Brokers.open("memory:");
                Tasks tasks = Tasks.builder().broker(broker).registry(registry).build();
                Worker worker = Worker.builder().broker(broker).registry(registry).concurrency(2).build()) {
            worker.start();
            tasks.delay(GreetingTasks.class, t -> t.greet("world"));
            while (broker.stats("default").ready() + broker.stats("default").inFlight() > 0) {
                Thread.sleep(50);
            }
            worker.stop(Duration.ofSeconds(5));
        }
    }
}
