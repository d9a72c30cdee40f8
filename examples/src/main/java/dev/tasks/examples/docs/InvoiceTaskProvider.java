package dev.tasks.examples.docs;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.TaskRegistry;
import dev.tasks.spi.TaskProvider;
import dev.tasks.tx.TransactionalDataSource;

/**
 * Registers the invoicing tasks for the {@code worker} command. A worker finds it when it is listed in
 * {@code META-INF/services/dev.tasks.spi.TaskProvider}, or when named with {@code --app}.
 */
public final class InvoiceTaskProvider implements TaskProvider {

    @Override
    public void register(TaskRegistry.Builder registry) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(System.getenv("INVOICES_DB_URL"));
        Invoicing.Mailer mailer = (to, invoiceId) -> { /* the application's mail client */ };
        registry.register(InvoiceTasks.class, new Invoicing(new TransactionalDataSource(pool), mailer));
    }
}
