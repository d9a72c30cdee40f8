package dev.tasks.examples.shop;

import dev.tasks.Tasks;
import dev.tasks.TasksException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The shop's order service, as a real service would write it: the order row and its follow-up tasks are
 * written in one transaction. {@code delayOnCommit} makes the tasks exist only if the order does.
 */
public final class ShopService {
    private final ShopDatabase db;
    private final Tasks tasks;

    public ShopService(ShopDatabase db, Tasks tasks) {
        this.db = db;
        this.tasks = tasks;
    }

    /**
     * Places an order: inserts it and, in the same transaction, schedules the confirmation email, the card
     * charge, a text to the customer and an analytics event. If anything fails the transaction rolls back and no task is sent.
     */
    public void placeOrder(long orderId, String customer, BigDecimal amount) {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into shop_orders (id, customer, amount, status) values (?, ?, ?, 'NEW')")) {
                    ps.setLong(1, orderId);
                    ps.setString(2, customer);
                    ps.setBigDecimal(3, amount);
                    ps.executeUpdate();
                }
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(orderId));
                tasks.delayOnCommit(BillingTasks.class, t -> t.chargeCard(orderId, amount));
                tasks.delayOnCommit(NotificationTasks.class, t -> t.textCustomer(customer, orderId));
                tasks.delayOnCommit(AnalyticsTasks.class, t -> t.track("order_placed", orderId));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new TasksException("cannot place order " + orderId + ": " + e.getMessage(), e);
        }
    }
}
