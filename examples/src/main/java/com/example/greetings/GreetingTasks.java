package com.example.greetings;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The getting-started task: what producers see. */
@TaskModule("greetings")
public interface GreetingTasks {

    @Task(maxRetries = 3, retryBackoff = "PT2S")
    void greet(String name);
}
