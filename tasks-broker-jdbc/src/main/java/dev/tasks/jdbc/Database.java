package dev.tasks.jdbc;

import dev.tasks.BrokerException;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's access to its database: connections, the dialect and its statements, table names, and one place where
 * {@link SQLException}s become {@link BrokerException}s, logged once when the database goes away and once
 * when it comes back.
 */
final class Database {
    private static final Logger log = LogSafe.logger(Database.class);

    final DataSource dataSource;
    final SqlDialect dialect;
    final TableNames names;
    /** The dialect's statements for {@link #names}. */
    final SqlStatements sql;
    final String description;
    private final AtomicBoolean down = new AtomicBoolean();

    Database(DataSource dataSource, SqlDialect dialect, TableNames names, String description) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.names = names;
        this.sql = SqlStatements.of(dialect.folder(), names);
        this.description = description;
    }

    /** Work done with one connection from the pool. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on a pooled connection in auto-commit mode. */
    <T> T run(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            T result = work.run(c);
            markUp();
            return result;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code work} in one transaction on a pooled connection; rolls back if it throws. */
    <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                markUp();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    BrokerException failure(String what, SQLException e) {
        if (down.compareAndSet(false, true)) {
            log.warn("database of broker {} failed ({}: {}); operations fail until it is reachable again, "
                    + "nothing failed is reported as done", description, e.getClass().getSimpleName(), e.getMessage());
        }
        return new BrokerException(what + " failed on " + description + ": " + e.getMessage(), e);
    }

    void markUp() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("database of broker {} is reachable again", description);
        }
    }

    static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // The connection is broken; the pool discards it.
        }
    }
}
