package com.example.greetings;

import dev.tasks.TaskRegistry;
import dev.tasks.spi.TaskProvider;

/** Tells the {@code worker} command which tasks this application has and how to run them. */
public final class GreetingTaskProvider implements TaskProvider {

    @Override
    public void register(TaskRegistry.Builder registry) {
        registry.register(GreetingTasks.class, new Greetings());
    }
}
