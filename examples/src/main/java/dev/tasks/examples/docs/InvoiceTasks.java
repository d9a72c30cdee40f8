package dev.tasks.examples.docs;

import dev.tasks.Backoff;
import dev.tasks.IdempotencyPolicy;
import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/** The invoicing tasks used throughout the user guide. */
@TaskModule(value = "invoices", queue = "invoices")
public interface InvoiceTasks {

    /** One line of an invoice. Records travel as JSON objects. */
    record Line(String sku, int quantity, BigDecimal unitPrice) {}

    /** Creates the invoice of an order. */
    @Task(maxRetries = 3, dontRetryOn = IllegalArgumentException.class)
    void create(long orderId, List<Line> lines, LocalDate dueDate);

    /** Renders the invoice's PDF: slow, so it has a soft and a hard time limit. */
    @Task(maxRetries = 5, retryBackoff = "PT10S", retryBackoffMax = "PT10M",
            softTimeLimit = "PT4M", timeLimit = "PT5M")
    void render(long invoiceId);

    /** Emails the invoice. Renamed from billing.mailInvoice; messages sent under the old name still run. */
    @Task(name = "invoices.send", aliases = "billing.mailInvoice", retryOn = UncheckedIOException.class,
            backoff = Backoff.FIXED, retryBackoff = "PT1M", idempotency = IdempotencyPolicy.ARGUMENTS,
            expires = "P1D")
    void send(long invoiceId, String email);

    /** The open amount of a customer; the value is stored as the task's result. */
    @Task(priority = 7, maxRetries = 0)
    BigDecimal openAmount(String customerId);
}
