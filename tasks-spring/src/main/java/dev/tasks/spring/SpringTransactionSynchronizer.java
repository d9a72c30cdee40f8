package dev.tasks.spring;

import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionSynchronizer;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Binds {@code delayOnCommit} and {@code sendOnCommit} to the Spring-managed transaction of the current
 * thread ({@code @Transactional}, {@code TransactionTemplate}, any {@code PlatformTransactionManager} that
 * keeps Spring's transaction synchronization: {@code DataSourceTransactionManager},
 * {@code JpaTransactionManager}, {@code JdbcTransactionManager}).
 *
 * <p>It is found on the class path by {@code Tasks.builder()} (a {@link java.util.ServiceLoader} service of
 * {@link TransactionSynchronizer}), so adding the {@code tasks-spring} module is all the wiring needed. What
 * holds:
 * <ul>
 *   <li>A task is published after the transaction commits, and never when it rolls back.</li>
 *   <li>{@code REQUIRES_NEW}: a task follows the transaction it was enqueued in, the inner or the outer
 *       one.</li>
 *   <li>{@code NESTED} (a savepoint): a task enqueued after the savepoint is dropped when the transaction
 *       rolls back to it (needs Spring Framework 6.2 or newer, which reports savepoints to
 *       synchronizations).</li>
 *   <li>With the JDBC broker on the transaction's own database, the task row is written through the
 *       transaction's connection, so the task exists if and only if the transaction commits. This needs
 *       one JDBC connection bound to the transaction (one {@code DataSource}); with several, or in a
 *       read-only transaction, the task is published after the commit instead.</li>
 *   <li>A transaction whose outcome Spring reports as unknown publishes nothing; this is logged at WARN
 *       with the number of tasks.</li>
 * </ul>
 * Stateless and thread-safe; the callbacks of one transaction live in a synchronization registered with
 * that transaction.
 */
public final class SpringTransactionSynchronizer implements TransactionSynchronizer {
    private static final Logger log = LogSafe.logger(SpringTransactionSynchronizer.class);

    /**
     * Creates the synchronizer (the service loader calls this).
     *
     * @throws IllegalStateException when Spring's transaction support ({@code spring-tx}, {@code spring-jdbc})
     *     is not on the class path; the client then skips this synchronizer
     */
    public SpringTransactionSynchronizer() {
        try {
            Class.forName("org.springframework.transaction.support.TransactionSynchronizationManager", false,
                    SpringTransactionSynchronizer.class.getClassLoader());
            Class.forName("org.springframework.jdbc.datasource.ConnectionHolder", false,
                    SpringTransactionSynchronizer.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("tasks-spring is on the class path but Spring's spring-tx and spring-jdbc"
                    + " are not (" + e.getMessage() + ")");
        }
    }

    @Override
    public Optional<TransactionContext> current() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.isActualTransactionActive()) {
            return Optional.empty();
        }
        for (TransactionSynchronization s : TransactionSynchronizationManager.getSynchronizations()) {
            if (s instanceof Callbacks c) {
                return Optional.of(c);
            }
        }
        Callbacks c = new Callbacks();
        TransactionSynchronizationManager.registerSynchronization(c);
        return Optional.of(c);
    }

    /** The callbacks registered in one transaction, in order, with the savepoints taken since. */
    private static final class Callbacks implements TransactionSynchronization, TransactionContext {
        private final List<Runnable> onCommit = new ArrayList<>();
        private final List<Runnable> onRollback = new ArrayList<>();
        /** For each savepoint: how many commit and rollback callbacks there were when it was taken. */
        private final Map<Object, int[]> savepoints = new IdentityHashMap<>();

        @Override
        public Optional<Connection> connection() {
            if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
                return Optional.empty();
            }
            Connection found = null;
            for (Object resource : TransactionSynchronizationManager.getResourceMap().values()) {
                if (resource instanceof ConnectionHolder holder && holder.getConnectionHandle() != null) {
                    if (found != null) {
                        return Optional.empty(); // several databases: which one the broker shares is unclear
                    }
                    found = holder.getConnection();
                }
            }
            return Optional.ofNullable(found);
        }

        @Override
        public void afterCommit(Runnable callback) {
            onCommit.add(callback);
        }

        @Override
        public void afterRollback(Runnable callback) {
            onRollback.add(callback);
        }

        @Override
        public void savepoint(Object savepoint) {
            savepoints.put(savepoint, new int[] {onCommit.size(), onRollback.size()});
        }

        @Override
        public void savepointRollback(Object savepoint) {
            int[] sizes = savepoints.get(savepoint);
            if (sizes != null) {
                onCommit.subList(sizes[0], onCommit.size()).clear();
                onRollback.subList(sizes[1], onRollback.size()).clear();
            }
        }

        @Override
        public void afterCompletion(int status) {
            if (status == STATUS_COMMITTED) {
                runAll(onCommit, "after the commit");
            } else if (status == STATUS_ROLLED_BACK) {
                runAll(onRollback, "after the rollback");
            } else if (!onCommit.isEmpty()) {
                log.warn("the outcome of a Spring-managed transaction is unknown; {} task(s) enqueued on its commit were"
                        + " not published", onCommit.size());
            }
        }

        private static void runAll(List<Runnable> callbacks, String when) {
            for (Runnable r : callbacks) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("a callback {} of a Spring-managed transaction failed: {}", when, e.toString(), e);
                }
            }
        }
    }
}
