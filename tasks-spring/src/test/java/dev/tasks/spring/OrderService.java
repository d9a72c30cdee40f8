package dev.tasks.spring;

import dev.tasks.EnqueueOptions;
import dev.tasks.Tasks;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** A service as users write it: {@code @Transactional} methods that write an order and enqueue its task. */
public class OrderService {
    private final JdbcTemplate jdbc;
    private final Tasks tasks;
    private volatile String queue;

    public OrderService(JdbcTemplate jdbc, Tasks tasks) {
        this.jdbc = jdbc;
        this.tasks = tasks;
    }

    void queue(String queue) {
        this.queue = queue;
    }

    /** Writes the order and enqueues its confirmation; throws after both when {@code fail}. */
    @Transactional
    public void place(long id, boolean fail) {
        write(id);
        if (fail) {
            throw new IllegalStateException("order " + id + " refused after its task was enqueued");
        }
    }

    /** As {@link #place}, in a transaction of its own even when called inside another. */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void placeInNewTransaction(long id, boolean fail) {
        place(id, fail);
    }

    /** As {@link #place}, in a read-only transaction (the write is skipped: only the task). */
    @Transactional(readOnly = true)
    public void enqueueReadOnly(long id, boolean fail) {
        enqueue(id);
        if (fail) {
            throw new IllegalStateException("read-only call " + id + " failed");
        }
    }

    void write(long id) {
        jdbc.update("INSERT INTO orders (id) VALUES (?)", id);
        enqueue(id);
    }

    void enqueue(long id) {
        tasks.delayOnCommit(SpringTasks.class, t -> t.confirm(id), EnqueueOptions.defaults().queue(queue));
    }
}
