package dev.tasks.spring.boot;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** {@link TasksHealthIndicator} for Spring Boot 4, whose Actuator health classes live in new packages. */
public final class TasksBoot4HealthIndicator extends AbstractHealthIndicator {
    private final TasksHealth health;

    TasksBoot4HealthIndicator(TasksHealth health) {
        super("tasks health check failed");
        this.health = health;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        TasksHealth.Result r = health.check();
        (r.up() ? builder.up() : builder.down()).withDetails(r.details());
    }
}
