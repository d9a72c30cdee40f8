package dev.tasks.spring.boot.app;

import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The task implementation: a plain bean with constructor injection, found by the embedded worker. */
@Component
public class OrderTasksImpl implements OrderTasks {
    private final Confirmations confirmations;
    private final JdbcTemplate jdbc;

    public OrderTasksImpl(Confirmations confirmations, JdbcTemplate jdbc) {
        this.confirmations = confirmations;
        this.jdbc = jdbc;
    }

    @Override
    public void confirm(long orderId) {
        confirmations.confirmed.add(orderId);
    }

    @Override
    public void slow(long orderId) {
        confirmations.slowStarted.countDown();
        try {
            if (!confirmations.slowRelease.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        // uses the application's DataSource after the context began closing: it must still be open
        jdbc.update("INSERT INTO slow_done (id) VALUES (?)", orderId);
        confirmations.confirmed.add(orderId);
    }
}
