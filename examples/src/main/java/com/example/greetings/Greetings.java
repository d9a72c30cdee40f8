package com.example.greetings;

import dev.tasks.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The getting-started task's implementation: what workers run. */
public final class Greetings implements GreetingTasks {
    private static final Logger log = LoggerFactory.getLogger(Greetings.class);

    @Override
    public void greet(String name) {
        log.info("hello, {} (task {}, attempt {})", name, TaskContext.current().taskId(),
                TaskContext.current().attempt());
    }
}
