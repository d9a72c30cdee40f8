package dev.tasks.examples.shop;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.math.BigDecimal;

/** Tasks of the billing module. */
@TaskModule(value = "billing", queue = "billing")
public interface BillingTasks {

    /**
     * Charges the card of an order. Idempotent: it records the charge in the same transaction as its check,
     * so a redelivered task never charges twice.
     */
    @Task(maxRetries = 3, retryBackoff = "PT0.5S", dontRetryOn = PaymentDeclined.class)
    void chargeCard(long orderId, BigDecimal amount);

    /** The card was declined: retrying will not help, the task is dead-lettered for a human to look at. */
    final class PaymentDeclined extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PaymentDeclined(String message) {
            super(message);
        }
    }
}
