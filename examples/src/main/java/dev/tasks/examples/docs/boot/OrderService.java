package dev.tasks.examples.docs.boot;

import dev.tasks.Tasks;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The transactional service of the Spring Boot sample. */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Tasks tasks;

    public OrderService(JdbcTemplate jdbc, Tasks tasks) {
        this.jdbc = jdbc;
        this.tasks = tasks;
    }

    @Transactional
    public void placeOrder(long orderId) {
        jdbc.update("INSERT INTO orders (id, confirmed) VALUES (?, FALSE)", orderId);
        tasks.delayOnCommit(OrderMails.class, t -> t.sendConfirmation(orderId));
    }
}
