package dev.tasks.examples.docs;

import dev.tasks.SoftTimeLimitExceeded;
import dev.tasks.TaskContext;
import dev.tasks.TasksException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import javax.sql.DataSource;

/** The implementation of {@link InvoiceTasks}: an ordinary class, registered with the worker. */
public final class Invoicing implements InvoiceTasks {

    /** Sends mail; the application's own client. */
    public interface Mailer {
        /** Sends one invoice; throws {@link MailServerBusy} when the server asks to come back later. */
        void send(String to, long invoiceId) throws IOException;
    }

    /** The mail server answered "try again later". */
    public static final class MailServerBusy extends IOException {
        private static final long serialVersionUID = 1L;

        public MailServerBusy(String message) {
            super(message);
        }
    }

    private final DataSource db;
    private final Mailer mailer;

    public Invoicing(DataSource db, Mailer mailer) {
        this.db = db;
        this.mailer = mailer;
    }

    @Override
    public void create(long orderId, List<Line> lines, LocalDate dueDate) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("order " + orderId + " has no lines to invoice");
        }
        BigDecimal total = BigDecimal.ZERO;
        for (Line line : lines) {
            total = total.add(line.unitPrice().multiply(BigDecimal.valueOf(line.quantity())));
        }
        // The order id is the primary key: a redelivered task finds the row and does nothing.
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "insert into invoices (order_id, total, due) values (?, ?, ?) on conflict do nothing")) {
            ps.setLong(1, orderId);
            ps.setBigDecimal(2, total);
            ps.setObject(3, dueDate);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new TasksException("invoice of order " + orderId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void render(long invoiceId) {
        TaskContext ctx = TaskContext.current();
        try {
            for (int page = 1; page <= pageCount(invoiceId); page++) {
                ctx.checkSoftTimeLimit();
                renderPage(invoiceId, page);
            }
        } catch (SoftTimeLimitExceeded e) {
            deletePartialPdf(invoiceId);
            throw e;
        }
    }

    @Override
    public void send(long invoiceId, String email) {
        try {
            mailer.send(email, invoiceId);
        } catch (MailServerBusy e) {
            throw TaskContext.current().retry(Duration.ofMinutes(5), e);
        } catch (IOException e) {
            throw new UncheckedIOException("mail of invoice " + invoiceId + " failed", e);
        }
    }

    @Override
    public BigDecimal openAmount(String customerId) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select coalesce(sum(total), 0) from invoices where customer = ? and paid = false")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        } catch (SQLException e) {
            throw new TasksException("open amount of " + customerId + ": " + e.getMessage(), e);
        }
    }

    private int pageCount(long invoiceId) {
        return 3;
    }

    private void renderPage(long invoiceId, int page) {
        // draws one page; stands in for the application's PDF library
    }

    private void deletePartialPdf(long invoiceId) {
        // removes what was written so far; stands in for the application's storage
    }
}
