package dev.tasks.spi;

import java.util.List;

/**
 * Implemented by a broker (or an outbox) that can publish inside the caller's transaction, so a task
 * exists if and only if the transaction commits.
 */
public interface TransactionalPublisher {

    /**
     * Writes the messages through the transaction's connection.
     *
     * @return false if this publisher cannot take part in that transaction (e.g. another database); then
     *     the caller falls back to publishing after commit
     */
    boolean publishInTransaction(TransactionContext transaction, List<OutboundMessage> messages);
}
