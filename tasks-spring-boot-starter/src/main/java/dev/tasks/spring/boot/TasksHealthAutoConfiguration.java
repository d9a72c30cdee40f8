package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator (3.x) on the class path: the {@code tasks} health indicator
 * ({@link TasksHealthIndicator}, off with {@code management.health.tasks.enabled=false}; the endpoint is
 * {@link TasksEndpointAutoConfiguration}'s).
 */
@AutoConfiguration(after = TasksAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.AbstractHealthIndicator")
@ConditionalOnBean(Broker.class)
public class TasksHealthAutoConfiguration {

    /** The health indicator, named {@code tasks}. */
    @Bean
    @ConditionalOnMissingBean(name = "tasksHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("tasks")
    public TasksHealthIndicator tasksHealthIndicator(Broker broker, ObjectProvider<EmbeddedWorker> worker,
            TasksProperties properties) {
        return new TasksHealthIndicator(new TasksHealth(broker, worker.getIfAvailable(),
                properties.getWorker().getQueues()));
    }
}
