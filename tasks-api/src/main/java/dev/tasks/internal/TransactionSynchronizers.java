package dev.tasks.internal;

import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionSynchronizer;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.tx.TransactionalDataSource;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;

/**
 * Where {@code delayOnCommit} looks for the caller's transaction, and the check that it did not miss one.
 *
 * <p>The default synchronizer asks the {@link TransactionalDataSource}s first, then every
 * {@link TransactionSynchronizer} registered as a service on the class path ({@code tasks-spring} registers
 * the one for Spring-managed transactions), and takes the first transaction found.
 *
 * <p>A Spring-managed transaction that no synchronizer sees would make {@code delayOnCommit} publish at once,
 * so a rolled-back transaction would still enqueue its task. {@link #unseenTransaction()} detects that case
 * by asking Spring's {@code TransactionSynchronizationManager} (when Spring is on the class path; looked up
 * once, by its fixed name), so the client can refuse the call instead.
 */
public final class TransactionSynchronizers {
    private static final Logger log = LogSafe.logger(TransactionSynchronizers.class);
    private static final String SPRING_MANAGER = "org.springframework.transaction.support.TransactionSynchronizationManager";
    private static final MethodHandle SPRING_ACTIVE = springActive();

    private TransactionSynchronizers() {}

    /** The default: {@link TransactionalDataSource#synchronizer()}, then the class path's synchronizers. */
    public static TransactionSynchronizer defaults() {
        List<TransactionSynchronizer> all = new ArrayList<>();
        all.add(TransactionalDataSource.synchronizer());
        all.addAll(discovered());
        return all.size() == 1 ? all.get(0) : new FirstFound(List.copyOf(all));
    }

    /**
     * The synchronizers registered in {@code META-INF/services/dev.tasks.spi.TransactionSynchronizer}. One
     * that cannot be loaded (its class or what it needs is missing) is skipped with a warning; if it was
     * meant for Spring, {@link #unseenTransaction()} still stops a call that would publish too early.
     */
    static List<TransactionSynchronizer> discovered() {
        List<TransactionSynchronizer> found = new ArrayList<>();
        Iterator<TransactionSynchronizer> it = ServiceLoader.load(TransactionSynchronizer.class,
                TransactionSynchronizers.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                log.warn("a transaction synchronizer registered on the class path cannot be used and is skipped: {}",
                        String.valueOf(e.getMessage()));
            }
        }
        return found;
    }

    /**
     * The name of a transaction manager whose transaction is open on this thread although no synchronizer
     * reported one, or empty when there is none (or its manager is not on the class path).
     */
    public static Optional<String> unseenTransaction() {
        if (SPRING_ACTIVE == null) {
            return Optional.empty();
        }
        try {
            return (boolean) SPRING_ACTIVE.invokeExact() ? Optional.of("Spring") : Optional.empty();
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    private static MethodHandle springActive() {
        try {
            Class<?> manager = Class.forName(SPRING_MANAGER, false, TransactionSynchronizers.class.getClassLoader());
            return MethodHandles.publicLookup().findStatic(manager, "isActualTransactionActive",
                    MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** Asks each synchronizer in turn; the first transaction found wins. */
    private record FirstFound(List<TransactionSynchronizer> all) implements TransactionSynchronizer {
        @Override
        public Optional<TransactionContext> current() {
            for (TransactionSynchronizer s : all) {
                Optional<TransactionContext> tx = s.current();
                if (tx.isPresent()) {
                    return tx;
                }
            }
            return Optional.empty();
        }
    }
}
