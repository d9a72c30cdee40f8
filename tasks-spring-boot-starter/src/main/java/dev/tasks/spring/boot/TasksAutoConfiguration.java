package dev.tasks.spring.boot;

import dev.tasks.Tasks;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of tasks in a Spring Boot application: a {@link Broker} and a {@link Tasks} client from the
 * {@code tasks.*} properties ({@link TasksProperties}), each unless the application defines its own, and with
 * {@code tasks.worker.enabled=true} an {@link EmbeddedWorker} running the application's task beans, with
 * {@code tasks.beat.enabled=true} an {@link EmbeddedBeat} enqueueing the application's schedules.
 * {@code delayOnCommit} follows Spring-managed transactions through {@code tasks-spring}, which comes with it.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@EnableConfigurationProperties(TasksProperties.class)
public class TasksAutoConfiguration {

    /** The broker: see {@link BootBrokers#open}; closed with the context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Broker tasksBroker(TasksProperties properties, ObjectProvider<DataSource> dataSource, Environment env,
            ObjectProvider<Clock> clock) {
        return BootBrokers.open(properties, dataSource.getIfUnique(), env.getProperty("spring.datasource.url"),
                clock.getIfUnique(Clock::systemUTC));
    }

    /** The client, on the broker bean, with {@code tasks.routes}; task interfaces need no declaring. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Tasks tasks(Broker broker, TasksProperties properties, ObjectProvider<Clock> clock) {
        return Tasks.builder().broker(broker).routes(Routes.parse(properties.getRoutes()))
                .clock(clock.getIfUnique(Clock::systemUTC)).build();
    }

    /**
     * The embedded beat, with {@code tasks.beat.enabled=true}: the application's {@code Schedule} and
     * {@code ScheduleProvider} beans, one leader at a time across the application's instances.
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty("tasks.beat.enabled")
    public EmbeddedBeat tasksEmbeddedBeat(Tasks tasks, ListableBeanFactory beans, ObjectProvider<Clock> clock) {
        return new EmbeddedBeat(tasks, beans, clock.getIfUnique(Clock::systemUTC));
    }

    /** The embedded worker, with {@code tasks.worker.enabled=true}; meters go to the application's registry. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty("tasks.worker.enabled")
    public EmbeddedWorker tasksEmbeddedWorker(Broker broker, TasksProperties properties, ListableBeanFactory beans,
            ObjectProvider<MeterRegistry> meters, ObjectProvider<Clock> clock) {
        return new EmbeddedWorker(broker, properties.getWorker(), beans, meters::getIfUnique,
                clock.getIfUnique(Clock::systemUTC));
    }
}
