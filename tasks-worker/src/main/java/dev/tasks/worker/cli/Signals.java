package dev.tasks.worker.cli;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT handling: the first signal calls {@code first}, any later one calls {@code again}.
 * Uses the JDK's {@code sun.misc.Signal} (module jdk.unsupported) through reflection, so the build has no
 * internal-API warning; where it is missing, a shutdown hook calls {@code first} instead (then a second
 * signal cannot be told apart).
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /** Installs the handlers; returns false when only the shutdown-hook fallback could be installed. */
    static boolean install(Runnable first, Runnable again) {
        AtomicInteger count = new AtomicInteger();
        Runnable onSignal = () -> {
            if (count.getAndIncrement() == 0) {
                first.run();
            } else {
                again.run();
            }
        };
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            InvocationHandler ih = (proxy, method, args) -> {
                switch (method.getName()) {
                    case "handle":
                        onSignal.run();
                        return null;
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        return "tasks-signal-handler";
                }
            };
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            Constructor<?> ctor = signalClass.getConstructor(String.class);
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, ctor.newInstance("TERM"), handler);
            handle.invoke(null, ctor.newInstance("INT"), handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("signal handlers unavailable ({}); using a shutdown hook", e.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(first, "tasks-shutdown-hook"));
            return false;
        }
    }
}
