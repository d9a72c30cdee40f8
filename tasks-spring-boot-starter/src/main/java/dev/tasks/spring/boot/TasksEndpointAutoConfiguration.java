package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator (3 or 4) on the class path: the {@code tasks} endpoint of queue counts
 * ({@link TasksEndpoint}), when exposed.
 */
@AutoConfiguration(after = TasksAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
@ConditionalOnBean(Broker.class)
public class TasksEndpointAutoConfiguration {

    /** The queue-count endpoint. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    public TasksEndpoint tasksEndpoint(Broker broker) {
        return new TasksEndpoint(broker);
    }
}
