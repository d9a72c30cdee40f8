package dev.tasks.spi.support;

import dev.tasks.ConfigurationException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads without compiling against Java 21: {@code Executors.newVirtualThreadPerTaskExecutor} is
 * looked up once with {@link MethodHandles}, so the same jar runs on 17 (platform threads only) and on 21+.
 */
public final class VirtualThreads {
    private static final MethodHandle FACTORY = find();

    private VirtualThreads() {}

    /** Whether this JVM has virtual threads. */
    public static boolean available() {
        return FACTORY != null;
    }

    /**
     * A new executor that starts a virtual thread per task.
     *
     * @throws ConfigurationException on a JVM without virtual threads
     */
    public static ExecutorService newExecutor() {
        if (FACTORY == null) {
            throw new ConfigurationException("virtual threads need Java 21 or later; this is Java "
                    + Runtime.version().feature());
        }
        try {
            return (ExecutorService) FACTORY.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot create a virtual-thread executor: " + t, t);
        }
    }

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup().findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
