package dev.tasks.spring.boot.app;

import dev.tasks.Tasks;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** A transactional service that enqueues on commit. */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Tasks tasks;

    public OrderService(JdbcTemplate jdbc, Tasks tasks) {
        this.jdbc = jdbc;
        this.tasks = tasks;
    }

    /** Creates the tables of the tests. */
    public void createTables() {
        jdbc.execute("CREATE TABLE IF NOT EXISTS orders (id BIGINT PRIMARY KEY)");
        jdbc.execute("CREATE TABLE IF NOT EXISTS slow_done (id BIGINT PRIMARY KEY)");
    }

    /** Inserts the order and enqueues its confirmation on commit; {@code fail} rolls the transaction back. */
    @Transactional
    public void place(long id, boolean fail) {
        jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
        tasks.delayOnCommit(OrderTasks.class, t -> t.confirm(id));
        if (fail) {
            throw new IllegalStateException("order " + id + " rejected");
        }
    }

    /** Like {@link #place} but returns the broker's task rows seen through the transaction's own connection. */
    @Transactional
    public long placeAndCountInside(long id) {
        place(id, false);
        return jdbc.queryForObject("SELECT COUNT(*) FROM tasks_messages", Long.class);
    }

    /** Enqueues the slow task on commit. */
    @Transactional
    public void placeSlow(long id) {
        jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
        tasks.delayOnCommit(OrderTasks.class, t -> t.slow(id));
    }
}
