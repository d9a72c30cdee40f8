package dev.tasks.worker.cli;

import dev.tasks.spi.support.LogSafe;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * SIGTERM and SIGINT handling: the first signal calls {@code first}, any later one calls {@code again}.
 * Takes the signals over from {@link StartSignals} when {@code main} installed it, and otherwise installs
 * its own handlers through the JDK's {@code sun.misc.Signal} (module jdk.unsupported, used reflectively so the
 * build has no internal-API warning); where that is missing, a shutdown hook calls {@code first} instead
 * (then a second signal cannot be told apart).
 */
final class Signals {
    private static final Logger log = LogSafe.logger(Signals.class);

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
        if (StartSignals.handOff(onSignal) || StartSignals.SignalHandlers.install(onSignal)) {
            return true;
        }
        log.debug("signal handlers unavailable; using a shutdown hook");
        Runtime.getRuntime().addShutdownHook(new Thread(first, "tasks-shutdown-hook"));
        return false;
    }
}
