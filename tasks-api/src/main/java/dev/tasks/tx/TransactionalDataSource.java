package dev.tasks.tx;

import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionSynchronizer;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Savepoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSource} wrapper whose connections tell {@code delayOnCommit} about their transactions.
 *
 * <p>Use it in place of the application's pool ({@code new TransactionalDataSource(hikari)}). While a
 * connection from it has auto-commit off, it is the current thread's transaction: callbacks registered
 * through {@link #synchronizer()} run after {@code commit()} (in registration order, each isolated: one
 * that throws is logged and does not stop the others or undo the commit), and are dropped on
 * {@code rollback()}, on {@code rollback(savepoint)} for those registered after the savepoint, and on
 * {@code close()} without commit. {@code setAutoCommit(true)} inside a transaction commits it, as JDBC
 * specifies, and runs the callbacks. Thread-safe; a connection is tracked on the thread that obtained it.
 */
public final class TransactionalDataSource implements DataSource {
    private static final org.slf4j.Logger log = LogSafe.logger(TransactionalDataSource.class);
    private static final ThreadLocal<Deque<Tracked>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);
    private static final TransactionSynchronizer SYNCHRONIZER = TransactionalDataSource::currentTransaction;

    private final DataSource delegate;

    /** Wraps {@code delegate}. */
    public TransactionalDataSource(DataSource delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * The synchronizer that sees transactions of every {@code TransactionalDataSource} on the current
     * thread; the default of {@code Tasks.builder()}.
     */
    public static TransactionSynchronizer synchronizer() {
        return SYNCHRONIZER;
    }

    /** The wrapped data source. */
    public DataSource delegate() {
        return delegate;
    }

    private static Optional<TransactionContext> currentTransaction() {
        Deque<Tracked> open = OPEN.get();
        for (Tracked t : open) {
            if (!t.autoCommit && !t.closed) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return track(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return track(delegate.getConnection(username, password));
    }

    private Connection track(Connection raw) throws SQLException {
        Tracked t = new Tracked(raw, raw.getAutoCommit(), Thread.currentThread());
        Connection proxy = (Connection) Proxy.newProxyInstance(TransactionalDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class}, t);
        t.proxy = proxy;
        OPEN.get().push(t);
        return proxy;
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    /** One tracked connection: its auto-commit state and the callbacks of its open transaction. */
    private static final class Tracked implements InvocationHandler, TransactionContext {
        private final Connection raw;
        private final Thread owner;
        private Connection proxy;
        private boolean autoCommit;
        private boolean closed;
        private final List<Runnable> onCommit = new ArrayList<>();
        private final List<Runnable> onRollback = new ArrayList<>();
        private final Map<Savepoint, int[]> savepoints = new IdentityHashMap<>();

        Tracked(Connection raw, boolean autoCommit, Thread owner) {
            this.raw = raw;
            this.autoCommit = autoCommit;
            this.owner = owner;
        }

        @Override
        public Optional<Connection> connection() {
            return Optional.of(proxy);
        }

        @Override
        public void afterCommit(Runnable callback) {
            checkOpen();
            onCommit.add(Objects.requireNonNull(callback, "callback"));
        }

        @Override
        public void afterRollback(Runnable callback) {
            checkOpen();
            onRollback.add(Objects.requireNonNull(callback, "callback"));
        }

        private void checkOpen() {
            if (closed || autoCommit) {
                throw new IllegalStateException("no transaction is open on this connection (auto-commit "
                        + autoCommit + ", closed " + closed + ")");
            }
        }

        @Override
        public Object invoke(Object p, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            int argc = args == null ? 0 : args.length;
            switch (name) {
                case "commit" -> {
                    call(method, args);
                    completed(true);
                    return null;
                }
                case "rollback" -> {
                    call(method, args);
                    if (argc == 0) {
                        completed(false);
                    } else {
                        int[] mark = savepoints.get((Savepoint) args[0]);
                        if (mark != null) {
                            truncate(onCommit, mark[0]);
                            truncate(onRollback, mark[1]);
                        }
                    }
                    return null;
                }
                case "setSavepoint" -> {
                    Savepoint sp = (Savepoint) call(method, args);
                    savepoints.put(sp, new int[] {onCommit.size(), onRollback.size()});
                    return sp;
                }
                case "releaseSavepoint" -> {
                    call(method, args);
                    savepoints.remove((Savepoint) args[0]);
                    return null;
                }
                case "setAutoCommit" -> {
                    boolean on = (Boolean) args[0];
                    boolean wasInTransaction = !autoCommit;
                    call(method, args);
                    autoCommit = on;
                    if (on && wasInTransaction) {
                        completed(true);
                    }
                    return null;
                }
                case "close" -> {
                    if (!closed) {
                        closed = true;
                        if (!onCommit.isEmpty()) {
                            log.debug("connection closed without commit; {} after-commit task(s) dropped", onCommit.size());
                        }
                        discard();
                        if (Thread.currentThread() == owner) {
                            OPEN.get().remove(this);
                        }
                        if (OPEN.get().isEmpty()) {
                            OPEN.remove();
                        }
                    }
                    call(method, args);
                    return null;
                }
                case "unwrap" -> {
                    Class<?> iface = (Class<?>) args[0];
                    return iface.isInstance(p) ? p : raw.unwrap(iface);
                }
                case "isWrapperFor" -> {
                    Class<?> iface = (Class<?>) args[0];
                    return iface.isInstance(p) || raw.isWrapperFor(iface);
                }
                case "equals" -> {
                    return p == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(p);
                }
                case "toString" -> {
                    return "Transactional[" + raw + "]";
                }
                default -> {
                    return call(method, args);
                }
            }
        }

        private Object call(Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(raw, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private void completed(boolean committed) {
            List<Runnable> run = new ArrayList<>(committed ? onCommit : onRollback);
            discard();
            for (Runnable r : run) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    log.error("after-{} callback failed; the other callbacks still run: {}",
                            committed ? "commit" : "rollback", e.toString(), e);
                }
            }
        }

        private void discard() {
            onCommit.clear();
            onRollback.clear();
            savepoints.clear();
        }

        private static void truncate(List<Runnable> list, int size) {
            while (list.size() > size) {
                list.remove(list.size() - 1);
            }
        }
    }
}
