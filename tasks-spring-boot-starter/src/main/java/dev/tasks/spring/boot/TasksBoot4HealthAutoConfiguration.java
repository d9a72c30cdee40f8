package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link TasksHealthAutoConfiguration} for Spring Boot 4 with Actuator: the {@code tasks} health indicator
 * ({@link TasksBoot4HealthIndicator}; the endpoint is
 * {@link TasksEndpointAutoConfiguration}'s).
 */
@AutoConfiguration(after = TasksAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.AbstractHealthIndicator")
@ConditionalOnBean(Broker.class)
public class TasksBoot4HealthAutoConfiguration {

    /** The health indicator, named {@code tasks}. */
    @Bean
    @ConditionalOnMissingBean(name = "tasksHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("tasks")
    public TasksBoot4HealthIndicator tasksHealthIndicator(Broker broker, ObjectProvider<EmbeddedWorker> worker,
            TasksProperties properties) {
        return new TasksBoot4HealthIndicator(new TasksHealth(broker, worker.getIfAvailable(),
                properties.getWorker().getQueues()));
    }
}
