package dev.tasks.spring.boot;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of tasks on Spring Boot 3 (see {@link TasksHealth}): UP when the broker answers a queue count
 * and the embedded worker (if any) runs; DOWN when the broker call fails, or the worker terminated on its own.
 * Details: the worker's state, tasks in flight and stuck threads, and the counts of the first queue it consumes.
 */
public final class TasksHealthIndicator extends AbstractHealthIndicator {
    private final TasksHealth health;

    TasksHealthIndicator(TasksHealth health) {
        super("tasks health check failed");
        this.health = health;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        TasksHealth.Result r = health.check();
        (r.up() ? builder.up() : builder.down()).withDetails(r.details());
    }
}
