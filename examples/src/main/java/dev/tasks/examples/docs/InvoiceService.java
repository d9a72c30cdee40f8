package dev.tasks.examples.docs;

import dev.tasks.EnqueueOptions;
import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.TasksException;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.tx.TransactionalDataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The producer side of the guide's samples: a service that enqueues invoicing tasks. */
public final class InvoiceService {

    /** Options kept in a constant: immutable, so safe to share. */
    private static final EnqueueOptions URGENT = EnqueueOptions.defaults().priority(9).expires(Duration.ofMinutes(10));

    private final Tasks tasks;
    private final TransactionalDataSource db;

    public InvoiceService(Tasks tasks, TransactionalDataSource db) {
        this.tasks = tasks;
        this.db = db;
    }

    /** Wraps the application's pool so that delayOnCommit sees its transactions. */
    public static TransactionalDataSource transactional(DataSource pool) {
        return new TransactionalDataSource(pool);
    }

    void enqueueNow(long invoiceId) {
        TaskHandle handle = tasks.delay(InvoiceTasks.class, t -> t.render(invoiceId));
        System.out.println("enqueued " + handle.id() + " on queue " + handle.queue());
    }

    void enqueueWithOptions(long invoiceId, String email) {
        tasks.delay(InvoiceTasks.class, t -> t.send(invoiceId, email),
                EnqueueOptions.defaults()
                        .countdown(Duration.ofMinutes(15))
                        .expires(Duration.ofHours(6))
                        .priority(7)
                        .queue("mail")
                        .idempotencyKey("invoice-" + invoiceId + "-mail")
                        .header("tenant", "acme"));
        tasks.delay(InvoiceTasks.class, t -> t.render(invoiceId),
                EnqueueOptions.defaults().eta(Instant.parse("2026-12-01T06:00:00Z")));
        tasks.delay(InvoiceTasks.class, t -> t.render(invoiceId), URGENT);
    }

    void enqueueByName(long invoiceId) {
        tasks.send(Signature.of("invoices.render", invoiceId).countdown(Duration.ofSeconds(30)));
    }

    void enqueueBatch(List<Long> invoiceIds) {
        List<Signature> batch = new ArrayList<>();
        for (long id : invoiceIds) {
            batch.add(tasks.signature(InvoiceTasks.class, t -> t.render(id)));
        }
        List<TaskHandle> handles = tasks.sendAll(batch);
        System.out.println("enqueued " + handles.size() + " renders");
    }

    /** Inserts the order and enqueues its invoice in the same transaction. */
    public void placeOrder(long orderId, List<InvoiceTasks.Line> lines, LocalDate dueDate) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("insert into orders (id, status) values (?, 'NEW')")) {
                    ps.setLong(1, orderId);
                    ps.executeUpdate();
                }
                tasks.delayOnCommit(InvoiceTasks.class,
                        t -> t.create(orderId, lines, dueDate));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new TasksException("cannot place order " + orderId + ": " + e.getMessage(), e);
        }
    }

    void readResult(String customerId) {
        TaskHandle handle = tasks.delay(InvoiceTasks.class, t -> t.openAmount(customerId));
        String id = handle.id();
        // later, possibly in another process:
        TaskHandle again = tasks.handle(id);
        if (again.state() == TaskState.SUCCESS) {
            Optional<StoredResult> record = again.record();
            BigDecimal open = new BigDecimal(record.orElseThrow().value());
            System.out.println(customerId + " owes " + open);
        }
    }
}
