package dev.tasks.examples.spring;

import dev.tasks.Tasks;
import java.sql.PreparedStatement;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The shop's orders. {@link #placeOrder} writes the order and enqueues its confirmation and its charge in one
 * {@code @Transactional} method: the tasks exist if and only if the order does. Thread-safe.
 */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Tasks tasks;

    public OrderService(JdbcTemplate jdbc, Tasks tasks) {
        this.jdbc = jdbc;
        this.tasks = tasks;
    }

    /**
     * Places an order and returns its id. Its tasks are enqueued when the transaction commits; if the stock
     * is short the method throws {@link OutOfStock}, the transaction rolls back and no task is enqueued.
     */
    @Transactional
    public long placeOrder(String customer, String item, int quantity) {
        long orderId = insertOrder(customer, item, quantity);
        tasks.delayOnCommit(OrderTasks.class, t -> t.sendConfirmation(orderId));
        tasks.delayOnCommit(BillingTasks.class, t -> t.chargeCard(orderId));
        int reserved = jdbc.update("UPDATE shop_stock SET quantity = quantity - ? WHERE item = ? AND quantity >= ?",
                quantity, item, quantity);
        if (reserved == 0) {
            throw new OutOfStock(item, quantity);
        }
        return orderId;
    }

    /** The order with its status and whether it was charged, or empty when there is none. */
    @Transactional(readOnly = true)
    public Optional<Order> find(long orderId) {
        return jdbc.query("SELECT o.id, o.customer, o.item, o.quantity, o.status, p.order_id AS paid FROM shop_orders o"
                + " LEFT JOIN shop_payments p ON p.order_id = o.id WHERE o.id = ?",
                (rs, row) -> new Order(rs.getLong("id"), rs.getString("customer"), rs.getString("item"),
                        rs.getInt("quantity"), rs.getString("status"), rs.getObject("paid") != null),
                orderId).stream().findFirst();
    }

    private long insertOrder(String customer, String item, int quantity) {
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO shop_orders (customer, item, quantity, status) VALUES (?, ?, ?, 'NEW')",
                    new String[] {"id"});
            ps.setString(1, customer);
            ps.setString(2, item);
            ps.setInt(3, quantity);
            return ps;
        }, key);
        return key.getKeyAs(Long.class);
    }

    /** An order as the shop shows it. */
    public record Order(long id, String customer, String item, int quantity, String status, boolean charged) {}

    /** The stock of an item is shorter than an order asks; the order was not placed. */
    public static final class OutOfStock extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfStock(String item, int quantity) {
            super("not enough '" + item + "' in stock for " + quantity + "; the order was not placed");
        }
    }
}
