package dev.tasks.examples.docs;

import dev.tasks.Brokers;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.util.List;
import javax.sql.DataSource;

/** How an application tests code that enqueues: eager mode, or the in-memory broker. Not a JUnit class. */
final class InvoiceTestSupport {
    private InvoiceTestSupport() {}

    /** Eager mode: every delay() runs the task at once, in the calling thread; failures are thrown. */
    static Tasks eagerClient(DataSource testDb) {
        TaskRegistry registry = TaskRegistry.builder()
                .register(InvoiceTasks.class, new Invoicing(testDb, (to, invoiceId) -> { }))
                .build();
        return Tasks.builder().eager(true).registry(registry).build();
    }

    /** The in-memory broker: tasks are queued, not run, so a test can look at what was enqueued. */
    static long enqueuedRenders(List<Long> invoiceIds) {
        try (Broker broker = Brokers.open("memory://invoice-test");
                Tasks tasks = Tasks.builder().broker(broker).declare(InvoiceTasks.class).build()) {
            for (long id : invoiceIds) {
                tasks.delay(InvoiceTasks.class, t -> t.render(id));
            }
            QueueStats stats = broker.stats("invoices");
            return stats.ready();
        }
    }
}
