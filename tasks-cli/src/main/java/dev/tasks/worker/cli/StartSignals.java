package dev.tasks.worker.cli;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SIGTERM and SIGINT from the first moment of {@code main}: a long-running command ({@code worker},
 * {@code beat}) calls {@link #install()} before anything else (before logging, picocli and the broker's
 * classes load), so a signal during start-up ends the process with exit code 0 instead of the JVM's 143.
 * Until the command hands the signals to its own handler, a signal exits at once: the process holds nothing
 * yet (no lease, no lock), so it gives nothing back. Once a command has taken over (see
 * {@code Signals.install}), signals go to its handler (warm, then cold shutdown).
 *
 * <p>The few milliseconds in which the JVM boots, before {@code main} runs, are not covered: the JVM itself
 * answers a signal then, with 143. This class loads nothing but the JDK: no logger, so that installing it
 * costs no time. Thread-safe.
 */
public final class StartSignals {
    /** Test hook (internal): a file created once the handlers are installed. */
    static final String MARKER_PROPERTY = "tasks.internal.startSignalsMarker";

    private static final Object LOCK = new Object();
    private static boolean installed;
    private static boolean exiting;
    private static Runnable handler;

    private StartSignals() {}

    /**
     * Installs the handlers for SIGTERM and SIGINT; until a command takes them over, either signal exits the
     * JVM with status 0. Calling it again does nothing. Where the JVM has no {@code sun.misc.Signal}, does
     * nothing (the JVM's own handling stays).
     */
    public static void install() {
        synchronized (LOCK) {
            if (installed) {
                return;
            }
            installed = SignalHandlers.install(StartSignals::dispatch);
        }
        String marker = System.getProperty(MARKER_PROPERTY);
        if (marker != null) {
            try {
                Files.writeString(Path.of(marker), "installed");
            } catch (IOException e) {
                System.err.println("cannot write " + marker + ": " + e);
            }
        }
    }

    /** Whether a signal came before a command took over: the JVM is exiting, start nothing. */
    static boolean exiting() {
        synchronized (LOCK) {
            return exiting;
        }
    }

    /**
     * Hands every later signal to {@code onSignal}.
     *
     * @return false when {@link #install()} has not installed handlers (the caller installs its own)
     */
    static boolean handOff(Runnable onSignal) {
        synchronized (LOCK) {
            if (!installed) {
                return false;
            }
            handler = onSignal;
            return true;
        }
    }

    private static void dispatch() {
        Runnable h;
        synchronized (LOCK) {
            h = handler;
            if (h == null) {
                exiting = true;
            }
        }
        if (h != null) {
            h.run();
        } else {
            System.exit(ExitCodes.OK);
        }
    }

    /** Installs one handler for SIGTERM and SIGINT through {@code sun.misc.Signal}, reflectively. */
    static final class SignalHandlers {
        private SignalHandlers() {}

        /** Returns false when the JVM has no {@code sun.misc.Signal} (nothing is installed then). */
        static boolean install(Runnable onSignal) {
            try {
                Class<?> signalClass = Class.forName("sun.misc.Signal");
                Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
                InvocationHandler ih = (proxy, method, args) -> switch (method.getName()) {
                    case "handle" -> {
                        onSignal.run();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "tasks-signal-handler";
                };
                Object proxy = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, ih);
                Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
                var ctor = signalClass.getConstructor(String.class);
                handle.invoke(null, ctor.newInstance("TERM"), proxy);
                handle.invoke(null, ctor.newInstance("INT"), proxy);
                return true;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return false;
            }
        }
    }
}
