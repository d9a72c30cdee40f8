package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.spring.boot.app.OrderService;
import dev.tasks.spring.boot.app.OrderTasks;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * {@code delayOnCommit} inside a Spring-managed transaction when {@code tasks-spring} is not on the class path: the
 * client finds no synchronizer that sees the transaction, and refuses the call with one line naming the module,
 * rather than publishing at once (a rolled-back transaction would still run its task). Outside a transaction it
 * publishes at once, as always.
 *
 * <p>Runs only in the surefire execution {@code without-tasks-spring} of this module's pom, which removes
 * {@code dev.tasks:tasks-spring} from the test class path (its name keeps the default execution from running it).
 * A plain Spring context ({@code @EnableTransactionManagement}, {@code DataSourceTransactionManager}, the test
 * application's {@code @Transactional} service) on H2, with the JDBC broker on the same database, as
 * {@code Tasks.builder()} finds it with no synchronizer configured.
 */
class WithoutTasksSpringIT {
    private static final String SYNCHRONIZER = "dev.tasks.spring.SpringTransactionSynchronizer";

    @BeforeEach
    void runsWithoutTheModule() {
        if (!Boolean.getBoolean("tasks.test.withoutTasksSpring")) {
            throw new TestAbortedException("runs in the surefire execution without-tasks-spring only");
        }
        assertThatThrownBy(() -> Class.forName(SYNCHRONIZER)).as("tasks-spring must be off the class path")
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void delay_on_commit_inside_a_spring_transaction_is_refused_naming_the_module_and_nothing_is_enqueued() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(App.class)) {
            OrderService orders = context.getBean(OrderService.class);
            Broker broker = context.getBean(Broker.class);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            orders.createTables();

            assertThatThrownBy(() -> orders.place(1, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("task shop.confirm was enqueued on commit inside a Spring-managed"
                            + " transaction that tasks cannot see")
                    .hasMessageContaining("add the dev.tasks:tasks-spring module to the class path");
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class))
                    .as("the exception rolled the transaction back").isZero();
            assertThat(queued(broker)).as("nothing published at once").isZero();

            context.getBean(Tasks.class).delayOnCommit(OrderTasks.class, t -> t.confirm(2));
            assertThat(queued(broker)).as("outside a transaction: published at once").isEqualTo(1);
        }
    }

    private static long queued(Broker broker) {
        QueueStats s = broker.stats("default");
        return s.ready() + s.delayed() + s.inFlight();
    }

    /** A Spring application without Boot and without tasks-spring. */
    @Configuration
    @EnableTransactionManagement
    @Import(OrderService.class)
    static class App {
        @Bean
        DataSource dataSource() {
            return new DriverManagerDataSource("jdbc:h2:mem:no-module-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                    "sa", "");
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        JdbcTemplate jdbcTemplate(DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean(destroyMethod = "close")
        Broker broker(DataSource dataSource) {
            return JdbcBroker.builder().dataSource(dataSource).build();
        }

        @Bean(destroyMethod = "close")
        Tasks tasks(Broker broker) {
            return Tasks.builder().broker(broker).build();
        }
    }
}
