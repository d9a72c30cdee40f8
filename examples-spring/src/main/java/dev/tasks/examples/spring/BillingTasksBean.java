package dev.tasks.examples.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The billing tasks' implementation, a bean run by the embedded worker. Idempotent: one payment row per order
 * (its primary key), so a redelivered task charges nothing twice.
 */
@Component
public class BillingTasksBean implements BillingTasks {
    private static final Logger log = LoggerFactory.getLogger(BillingTasksBean.class);
    private final JdbcTemplate jdbc;

    public BillingTasksBean(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void chargeCard(long orderId) {
        try {
            jdbc.update("INSERT INTO shop_payments (order_id, amount) SELECT o.id, o.quantity * s.price"
                    + " FROM shop_orders o JOIN shop_stock s ON s.item = o.item WHERE o.id = ?", orderId);
            log.info("order {} charged", orderId);
        } catch (DuplicateKeyException e) {
            log.info("order {} was already charged; nothing to do", orderId);
        }
    }
}
