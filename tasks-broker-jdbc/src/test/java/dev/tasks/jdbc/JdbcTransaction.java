package dev.tasks.jdbc;

import dev.tasks.spi.TransactionContext;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A minimal transaction over one raw JDBC connection, for tests of transactional publishing. */
final class JdbcTransaction implements TransactionContext, AutoCloseable {
    private final Connection connection;
    private final List<Runnable> afterCommit = new ArrayList<>();
    private final List<Runnable> afterRollback = new ArrayList<>();

    JdbcTransaction(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
    }

    @Override
    public Optional<Connection> connection() {
        return Optional.of(connection);
    }

    @Override
    public void afterCommit(Runnable callback) {
        afterCommit.add(callback);
    }

    @Override
    public void afterRollback(Runnable callback) {
        afterRollback.add(callback);
    }

    void commit() throws SQLException {
        connection.commit();
        afterCommit.forEach(Runnable::run);
    }

    void rollback() throws SQLException {
        connection.rollback();
        afterRollback.forEach(Runnable::run);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
