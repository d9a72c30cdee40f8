package dev.tasks.spring;

import dev.tasks.EnqueueOptions;
import dev.tasks.Tasks;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** A service as users write it: {@code @Transactional} methods that write an order and enqueue its task. */
public class OrderService {
    private final Store store;
    private final Tasks tasks;
    private volatile String queue;

    /** How an order row is written in the current transaction (JDBC, or JPA through an entity manager). */
    @FunctionalInterface
    public interface Store {
        /** Writes the order row now (not deferred to the commit). */
        void insert(long id);
    }

    public OrderService(Store store, Tasks tasks) {
        this.store = store;
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
        store.insert(id);
        enqueue(id);
    }

    void enqueue(long id) {
        tasks.delayOnCommit(SpringTasks.class, t -> t.confirm(id), EnqueueOptions.defaults().queue(queue));
    }
}
