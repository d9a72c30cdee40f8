package dev.tasks.examples.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order tasks' implementation: a plain bean that the embedded worker finds because it implements a
 * {@code @TaskModule} interface. Idempotent: the email is recorded under the order's key in the same transaction
 * as the status change, so a redelivered task sends nothing twice (two deliveries at once: the key lets one
 * commit, the other fails and is retried, then finds the record).
 */
@Component
public class OrderTasksBean implements OrderTasks {
    private static final Logger log = LoggerFactory.getLogger(OrderTasksBean.class);
    private final JdbcTemplate jdbc;

    public OrderTasksBean(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    @Transactional
    public void sendConfirmation(long orderId) {
        int recorded = jdbc.update("INSERT INTO shop_emails (order_id) SELECT CAST(? AS BIGINT)"
                + " WHERE NOT EXISTS (SELECT 1 FROM shop_emails WHERE order_id = ?)", orderId, orderId);
        if (recorded == 0) {
            log.info("confirmation of order {} was already sent; nothing to do", orderId);
            return;
        }
        jdbc.update("UPDATE shop_orders SET status = 'CONFIRMED' WHERE id = ?", orderId);
        log.info("confirmation of order {} sent", orderId);
    }
}
