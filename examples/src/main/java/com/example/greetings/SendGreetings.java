package com.example.greetings;

import dev.tasks.Brokers;
import dev.tasks.TaskHandle;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.spi.Broker;
import java.time.Clock;

/** The getting-started producer: enqueues one greeting per argument. */
public final class SendGreetings {
    private SendGreetings() {}

    public static void main(String[] args) {
        TasksConfig config = TasksConfig.load();
        try (Broker broker = Brokers.open(config.brokerSettings(Clock.systemUTC()));
                Tasks tasks = Tasks.builder().broker(broker).declare(GreetingTasks.class).build()) {
            for (String name : args) {
                TaskHandle handle = tasks.delay(GreetingTasks.class, t -> t.greet(name));
                System.out.println("enqueued " + handle);
            }
        }
    }
}
