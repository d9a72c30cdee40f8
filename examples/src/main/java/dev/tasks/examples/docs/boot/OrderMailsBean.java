package dev.tasks.examples.docs.boot;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The task implementation of the Spring Boot sample: a bean the embedded worker runs. */
@Component
public class OrderMailsBean implements OrderMails {
    private final JdbcTemplate jdbc;

    public OrderMailsBean(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void sendConfirmation(long orderId) {
        jdbc.update("UPDATE orders SET confirmed = TRUE WHERE id = ?", orderId);
    }
}
