package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import dev.tasks.spring.boot.app.Confirmations;
import dev.tasks.spring.boot.app.OrderService;
import dev.tasks.worker.WorkerState;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded worker ({@code tasks.worker.enabled=true}) runs a {@code @Component} implementing a
 * {@code @TaskModule} interface, constructor-injected, with no other code; it reports to the application's
 * MeterRegistry and health; and closing the context warm-stops it: a running task finishes (still able to use the
 * application's DataSource) and is acknowledged, not given back.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EmbeddedWorkerTest {

    @Test
    void committed_tasks_run_exactly_once_on_the_bean_and_rolled_back_ones_never() {
        try (ConfigurableApplicationContext context = BootApps.start("tasks.worker.enabled=true",
                "tasks.worker.concurrency=2")) {
            OrderService orders = context.getBean(OrderService.class);
            Confirmations done = context.getBean(Confirmations.class);
            Broker broker = context.getBean(Broker.class);
            for (long id = 1; id <= 6; id++) {
                long order = id;
                if (id % 3 == 0) {
                    assertThatThrownBy(() -> orders.place(order, true)).isInstanceOf(IllegalStateException.class);
                } else {
                    orders.place(order, false);
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> done.confirmed.size() >= 4 && pending(broker) == 0);
            assertThat(done.confirmed).containsExactlyInAnyOrder(1L, 2L, 4L, 5L);

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("tasks.run").timers().stream().mapToLong(t -> t.count()).sum())
                    .as("the worker's timers are on the application's MeterRegistry").isEqualTo(4);
            TasksHealthIndicator health = context.getBean(TasksHealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(health.health().getDetails()).containsEntry("worker", "RUNNING").containsEntry("ready", 0L);
            assertThat(new TasksEndpoint(broker).queues()).containsKey("default");
            assertThat(new TasksEndpoint(broker).queue("default").ready()).isZero();
        }
    }

    @Test
    void closing_the_context_lets_the_running_task_finish_and_acknowledges_it() throws Exception {
        String url = BootApps.h2Url();
        ConfigurableApplicationContext context = BootApps.start("spring.datasource.url=" + url,
                "tasks.worker.enabled=true", "tasks.worker.shutdown-grace=30s");
        Confirmations done = context.getBean(Confirmations.class);
        EmbeddedWorker worker = context.getBean(EmbeddedWorker.class);
        context.getBean(OrderService.class).placeSlow(42);
        assertThat(done.slowStarted.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
        await().atMost(Duration.ofSeconds(30)).until(() -> worker.worker().orElseThrow().state() == WorkerState.STOPPING);
        // the context's close waits for the running task (a cold stop would end it and return at once)
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> !closing.isDone());
        done.slowRelease.countDown();
        closing.get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(done.confirmed).containsExactly(42L);
        assertThat(worker.worker().orElseThrow().state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(count(url, "SELECT COUNT(*) FROM slow_done")).as("the task wrote through the open DataSource")
                .isEqualTo(1);
        try (JdbcBroker after = JdbcBroker.builder().url(url).user("sa").build()) {
            QueueStats s = after.stats("default");
            assertThat(List.of(s.ready(), s.delayed(), s.inFlight(), s.dead())).as("acknowledged, not given back")
                    .containsOnly(0L);
        }
    }

    private static long pending(Broker broker) {
        QueueStats s = broker.stats("default");
        return s.ready() + s.delayed() + s.inFlight();
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
