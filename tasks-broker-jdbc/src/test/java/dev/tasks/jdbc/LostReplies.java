package dev.tasks.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * A data source over a real database whose next claim, once armed, runs on the server and commits, and
 * then fails in the caller as if the connection had broken before the reply came back: the one seam of a
 * lost reply that a real server cannot be made to produce on cue.
 */
final class LostReplies {
    private final String url;
    private final AtomicBoolean armed = new AtomicBoolean();

    LostReplies(String url) {
        this.url = url;
    }

    /** The next statement that counts a delivery (a claim) commits, then throws. */
    void loseNextClaimReply() {
        armed.set(true);
    }

    boolean armed() {
        return armed.get();
    }

    DataSource dataSource() {
        return proxy(DataSource.class, (proxy, m, args) -> {
            if (m.getName().equals("getConnection")) {
                return connection(DriverManager.getConnection(url));
            }
            if (m.getName().equals("unwrap") || m.getName().equals("isWrapperFor")) {
                throw new SQLException("not a wrapper");
            }
            if (m.getName().equals("getLoginTimeout")) {
                return 0;
            }
            return null;
        });
    }

    private Connection connection(Connection real) {
        return proxy(Connection.class, (proxy, m, args) -> {
            Object out = call(real, m, args);
            if (out instanceof PreparedStatement ps && args != null && args.length > 0 && args[0] instanceof String sql
                    && sql.contains("deliveries")) {
                return statement(ps);
            }
            return out;
        });
    }

    private PreparedStatement statement(PreparedStatement real) {
        return proxy(PreparedStatement.class, (proxy, m, args) -> {
            Object out = call(real, m, args);
            if (m.getName().startsWith("execute") && armed.compareAndSet(true, false)) {
                throw new SQLNonTransientConnectionException("connection reset before the reply (simulated)", "08006");
            }
            return out;
        });
    }

    private static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(LostReplies.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
