package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring Boot 4 only (compiled by tasks-spring-boot4-tests): the {@code tasks} health indicator is registered from
 * Boot 4's new health packages, UP with the embedded worker running, and the queue endpoint exists.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Boot4HealthTest {

    @Test
    void the_health_indicator_reports_the_broker_and_the_running_worker() {
        try (ConfigurableApplicationContext context = BootApps.start("tasks.worker.enabled=true",
                "management.endpoints.jmx.exposure.include=*", "spring.jmx.enabled=true")) {
            Health health = context.getBean(TasksBoot4HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("worker", "RUNNING").containsEntry("queue", "default");
            assertThat(context.getBeansOfType(TasksEndpoint.class)).hasSize(1);
        }
    }
}
