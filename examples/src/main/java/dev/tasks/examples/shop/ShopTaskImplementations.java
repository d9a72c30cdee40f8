package dev.tasks.examples.shop;

import dev.tasks.SoftTimeLimitExceeded;
import dev.tasks.TaskContext;
import dev.tasks.TasksException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.Month;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shop's task implementations. Each checks and records its own side effect, so a redelivery is harmless. */
final class ShopTaskImplementations {
    private static final Logger log = LoggerFactory.getLogger(ShopTaskImplementations.class);

    /** Orders whose confirmation the (simulated) mail server refuses twice before accepting it. */
    static boolean flakyMail(long orderId) {
        return orderId % 7 == 3;
    }

    /** Amounts above this are declined by the (simulated) card processor. */
    static final BigDecimal CARD_LIMIT = new BigDecimal("1000.00");

    /** The day whose report is too big to finish within its soft time limit. */
    static final LocalDate BLACK_FRIDAY = LocalDate.of(2026, Month.NOVEMBER, 27);

    private ShopTaskImplementations() {}

    static final class Orders implements OrderTasks {
        private final ShopDatabase db;

        Orders(ShopDatabase db) {
            this.db = db;
        }

        @Override
        public void sendOrderConfirmation(long orderId) {
            int attempt = TaskContext.current().attempt();
            if (flakyMail(orderId) && attempt < 2) {
                throw new UncheckedIOException(new IOException("mail server busy (421), attempt " + attempt));
            }
            try (Connection c = db.dataSource().getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("insert into shop_emails (order_id, attempts) values (?, ?)")) {
                    ps.setLong(1, orderId);
                    ps.setInt(2, attempt + 1);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (ShopDatabase.isDuplicateKey(e)) {
                        c.rollback();
                        return;
                    }
                    throw e;
                }
                try (PreparedStatement ps = c.prepareStatement("update shop_orders set status = 'CONFIRMED' where id = ?")) {
                    ps.setLong(1, orderId);
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                throw new TasksException("confirmation of order " + orderId + ": " + e.getMessage(), e);
            }
        }
    }

    static final class Billing implements BillingTasks {
        private final ShopDatabase db;

        Billing(ShopDatabase db) {
            this.db = db;
        }

        @Override
        public void chargeCard(long orderId, BigDecimal amount) {
            if (amount.compareTo(CARD_LIMIT) > 0) {
                throw new PaymentDeclined("card declined for order " + orderId + ": " + amount + " is over the limit");
            }
            try (Connection c = db.dataSource().getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("insert into shop_payments (order_id, amount) values (?, ?)")) {
                    ps.setLong(1, orderId);
                    ps.setBigDecimal(2, amount);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    if (!ShopDatabase.isDuplicateKey(e)) {
                        throw e;
                    }
                    log.info("order {} was already charged; nothing to do", orderId);
                }
            } catch (SQLException e) {
                throw new TasksException("charge of order " + orderId + ": " + e.getMessage(), e);
            }
        }
    }

    static final class Notifications implements NotificationTasks {
        private final ShopDatabase db;

        Notifications(ShopDatabase db) {
            this.db = db;
        }

        @Override
        public void textCustomer(String customer, long orderId) {
            try (Connection c = db.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement("insert into shop_texts (order_id, customer) values (?, ?)")) {
                ps.setLong(1, orderId);
                ps.setString(2, customer);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (!ShopDatabase.isDuplicateKey(e)) {
                    throw new TasksException("text for order " + orderId + ": " + e.getMessage(), e);
                }
            }
        }
    }

    static final class Analytics implements AnalyticsTasks {
        private final ShopDatabase db;

        Analytics(ShopDatabase db) {
            this.db = db;
        }

        @Override
        public void track(String event, long orderId) {
            try (Connection c = db.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement("insert into shop_events (event, order_id) values (?, ?)")) {
                ps.setString(1, event);
                ps.setLong(2, orderId);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new TasksException("tracking " + event + " of order " + orderId + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void nightlyReport(LocalDate day) {
            setReport(day, "RUNNING");
            int batches = day.equals(BLACK_FRIDAY) ? 100 : 5;
            try {
                for (int i = 0; i < batches; i++) {
                    TaskContext.current().checkSoftTimeLimit();
                    Thread.sleep(100);
                }
            } catch (InterruptedException | SoftTimeLimitExceeded e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                setReport(day, "timeout");
                throw new SoftTimeLimitExceeded("report of " + day + " did not finish in time; marked 'timeout'");
            }
            setReport(day, "DONE");
        }

        @Override
        public void yesterdaysReport() {
            nightlyReport(LocalDate.now(java.time.Clock.systemUTC()).minusDays(1));
        }

        @Override
        public void cleanup() {
            try (Connection c = db.dataSource().getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "delete from shop_events where id < (select coalesce(max(id), 0) - 10000 from shop_events)")) {
                int deleted = ps.executeUpdate();
                log.info("cleanup removed {} old event(s)", deleted);
            } catch (SQLException e) {
                throw new TasksException("cleanup: " + e.getMessage(), e);
            }
        }

        private void setReport(LocalDate day, String status) {
            boolean interrupted = Thread.interrupted();
            try (Connection c = db.dataSource().getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("update shop_reports set status = ? where report_day = ?")) {
                    ps.setString(1, status);
                    ps.setString(2, day.toString());
                    if (ps.executeUpdate() == 1) {
                        return;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("insert into shop_reports (report_day, status) values (?, ?)")) {
                    ps.setString(1, day.toString());
                    ps.setString(2, status);
                    ps.executeUpdate();
                }
            } catch (SQLException e) {
                throw new TasksException("report " + day + ": " + e.getMessage(), e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
