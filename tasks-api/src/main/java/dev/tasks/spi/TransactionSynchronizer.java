package dev.tasks.spi;

import java.util.Optional;

/**
 * Tells the client whether the current thread is inside a transaction, so {@code delayOnCommit} can defer
 * (or enlist) its enqueue. The built-in one tracks connections of a
 * {@link dev.tasks.tx.TransactionalDataSource}; an adapter for another transaction manager (e.g.
 * Spring's) implements this and is given to {@code Tasks.builder().transactions(..)}.
 */
public interface TransactionSynchronizer {

    /** The transaction open on the current thread, if any. */
    Optional<TransactionContext> current();
}
