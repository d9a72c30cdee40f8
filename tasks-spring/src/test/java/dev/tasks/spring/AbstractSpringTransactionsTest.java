package dev.tasks.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.EnqueueOptions;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.tx.TransactionalDataSource;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.NestedTransactionNotSupportedException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code delayOnCommit} inside Spring-managed transactions, in a real Spring context
 * ({@code @EnableTransactionManagement}, a {@code DataSourceTransactionManager}, {@code @Transactional}
 * services and {@code TransactionTemplate}s), with {@code Tasks} built with no transaction wiring at all:
 * {@code tasks-spring} is found on the class path. Each case counts the tasks in the broker exactly.
 * Subclasses bind it to a broker and the application's database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class AbstractSpringTransactionsTest {
    private static final AtomicLong IDS = new AtomicLong();

    private AnnotationConfigApplicationContext context;
    private Broker broker;
    private Tasks tasks;
    protected OrderService orders;
    protected JdbcTemplate jdbc;
    private PlatformTransactionManager transactions;
    private String queue;

    /** The application's database (the tests create their table in it). */
    protected abstract DataSource appDataSource();

    /** The broker under test. */
    protected abstract Broker openBroker();

    /** Whether the broker writes the task in the application's transaction (same database). */
    protected abstract boolean writesInTransaction();

    /**
     * The transaction manager and how orders are written: {@link DataSourceConfig} by default, {@link JpaConfig}
     * for the JPA variants.
     */
    protected Class<?> transactionConfig() {
        return DataSourceConfig.class;
    }

    @Configuration
    @EnableTransactionManagement
    static class AppConfig {
        @Bean
        JdbcTemplate jdbcTemplate(DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        OrderService orderService(OrderService.Store store, Tasks tasks) {
            return new OrderService(store, tasks);
        }
    }

    /** A {@code DataSourceTransactionManager}; orders are inserted with a {@code JdbcTemplate}. */
    @Configuration
    static class DataSourceConfig {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        OrderService.Store orderStore(JdbcTemplate jdbc) {
            return id -> jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
        }
    }

    @BeforeAll
    void startContext() {
        DataSource ds = appDataSource();
        broker = openBroker();
        tasks = Tasks.builder().broker(broker).declare(SpringTasks.class).build();
        context = new AnnotationConfigApplicationContext();
        context.registerBean(DataSource.class, () -> ds);
        context.registerBean(Tasks.class, () -> tasks);
        context.register(AppConfig.class, transactionConfig());
        context.refresh();
        orders = context.getBean(OrderService.class);
        jdbc = context.getBean(JdbcTemplate.class);
        transactions = context.getBean(PlatformTransactionManager.class);
        jdbc.execute("CREATE TABLE IF NOT EXISTS orders (id BIGINT PRIMARY KEY)");
    }

    @AfterAll
    void stopContext() {
        if (context != null) {
            context.close();
        }
        if (tasks != null) {
            tasks.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void freshQueue() {
        queue = "spring-" + UUID.randomUUID().toString().substring(0, 8);
        orders.queue(queue);
    }

    @Test
    void a_committed_transactional_method_enqueues_its_task() {
        orders.place(id(), false);
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void a_transactional_method_that_throws_after_enqueueing_enqueues_nothing() {
        assertThatThrownBy(() -> orders.place(id(), true)).isInstanceOf(IllegalStateException.class);
        assertThat(queued()).isZero();
    }

    @Test
    void an_inner_requires_new_that_commits_keeps_its_task_when_the_outer_rolls_back() {
        assertThatThrownBy(() -> template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            orders.placeInNewTransaction(id(), false);
            throw new IllegalStateException("outer fails");
        })).hasMessage("outer fails");
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void an_inner_requires_new_that_rolls_back_drops_only_its_own_task() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            assertThatThrownBy(() -> orders.placeInNewTransaction(id(), true)).isInstanceOf(IllegalStateException.class);
            orders.write(id());
        });
        assertThat(queued()).isEqualTo(2);
    }

    /**
     * Whether the transaction manager takes savepoints for {@code NESTED}: {@code JpaTransactionManager} over
     * Hibernate does not (Spring 6.2's {@code HibernateJpaDialect} gives it no savepoint manager).
     */
    protected boolean savepoints() {
        return transactionConfig() != JpaConfig.class;
    }

    @Test
    void a_nested_transaction_rolled_back_to_its_savepoint_drops_its_task_and_the_outer_keeps_its_own() {
        if (!savepoints()) {
            a_nested_transaction_is_refused_and_the_outer_one_rolls_back_with_its_task();
            return;
        }
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(nested -> {
                orders.write(id());
                orders.write(id());
                nested.setRollbackOnly();
            });
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(nested -> orders.write(id()));
        });
        assertThat(queued()).isEqualTo(2);
    }

    private void a_nested_transaction_is_refused_and_the_outer_one_rolls_back_with_its_task() {
        assertThatThrownBy(() -> template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(nested -> orders.write(id()));
        })).isInstanceOf(NestedTransactionNotSupportedException.class)
                .hasMessageContaining("JpaDialect does not support savepoints");
        assertThat(queued()).as("the outer transaction rolled back with the refusal").isZero();
    }

    @Test
    void a_transaction_template_that_commits_or_rolls_back_enqueues_one_or_none() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> orders.write(id()));
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            s.setRollbackOnly();
        });
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void a_read_only_transaction_enqueues_after_it_commits_and_nothing_when_it_rolls_back() {
        orders.enqueueReadOnly(id(), false);
        assertThatThrownBy(() -> orders.enqueueReadOnly(id(), true)).isInstanceOf(IllegalStateException.class);
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void with_no_transaction_the_task_is_enqueued_at_once() {
        orders.enqueue(id());
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void the_task_row_is_written_in_the_transaction_when_the_broker_shares_its_database() {
        long[] seenInside = {-1};
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s -> {
            orders.write(id());
            seenInside[0] = queued();
        });
        // Inside the transaction another connection cannot see the uncommitted row; after-commit
        // publishing has not happened yet either. Either way nothing is visible before the commit.
        assertThat(seenInside[0]).isZero();
        assertThat(queued()).isEqualTo(1);
        if (writesInTransaction()) {
            Long count = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(s -> {
                orders.write(id());
                return jdbc.queryForObject(tasksRowsSql(), Long.class, queue);
            });
            assertThat(count).as("the committed task, and the new one through the transaction's own connection")
                    .isEqualTo(2);
        }
    }

    @Test
    void a_synchronizer_that_cannot_see_spring_transactions_is_refused_instead_of_publishing_at_once() {
        try (Tasks blind = Tasks.builder().broker(broker).declare(SpringTasks.class)
                .transactions(TransactionalDataSource.synchronizer()).build()) {
            assertThatThrownBy(() -> template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(s ->
                    blind.delayOnCommit(SpringTasks.class, t -> t.confirm(id()), EnqueueOptions.defaults().queue(queue))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Spring-managed transaction")
                    .hasMessageContaining("tasks-spring");
            blind.delayOnCommit(SpringTasks.class, t -> t.confirm(id()), EnqueueOptions.defaults().queue(queue));
        }
        assertThat(queued()).as("only the call outside a transaction published").isEqualTo(1);
    }

    /** SQL counting the task rows of a queue in the broker's table, for brokers that write in the transaction. */
    protected String tasksRowsSql() {
        throw new UnsupportedOperationException("this broker does not write in the application's transaction");
    }

    protected final TransactionTemplate template(int propagation) {
        TransactionTemplate t = new TransactionTemplate(transactions);
        t.setPropagationBehavior(propagation);
        return t;
    }

    protected final long queued() {
        QueueStats s = broker.stats(queue);
        return s.ready() + s.delayed() + s.inFlight();
    }

    protected static long id() {
        return IDS.incrementAndGet();
    }
}
