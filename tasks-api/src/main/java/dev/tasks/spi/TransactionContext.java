package dev.tasks.spi;

import java.sql.Connection;
import java.util.Optional;

/** An open transaction on the current thread, to which after-completion callbacks can be attached. */
public interface TransactionContext {

    /** The JDBC connection of the transaction, if it is a JDBC transaction. */
    Optional<Connection> connection();

    /**
     * Runs {@code callback} after the transaction commits (in registration order, on the committing
     * thread). A callback that throws is logged and does not stop the others or undo the commit.
     */
    void afterCommit(Runnable callback);

    /** Runs {@code callback} after the transaction rolls back. */
    void afterRollback(Runnable callback);
}
