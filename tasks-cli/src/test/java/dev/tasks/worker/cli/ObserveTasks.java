package dev.tasks.worker.cli;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import dev.tasks.TaskRegistry;
import dev.tasks.spi.TaskProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tasks of the operator-command and health tests: one that returns its argument, one that fails for good,
 * one that runs until a file appears, and one that spins past its hard time limit ignoring interrupts.
 */
@TaskModule("observe")
public interface ObserveTasks {
    @Task(maxRetries = 0)
    String echo(String text);

    @Task(maxRetries = 0)
    void fail(String why);

    /** Runs until the file {@code release} exists (at most a minute); returns its path. */
    @Task(maxRetries = 0)
    String hold(String release);

    /** Spins, deaf to interrupts, until the file {@code release} exists or a minute passed. */
    @Task(maxRetries = 0, timeLimit = "PT0.2S")
    void stick(String release);

    /** The implementation the tests register. */
    final class Impl implements ObserveTasks {
        @Override
        public String echo(String text) {
            return text;
        }

        @Override
        public void fail(String why) {
            throw new IllegalStateException(why);
        }

        @Override
        public String hold(String release) {
            waitFor(Path.of(release), true);
            return release;
        }

        @Override
        public void stick(String release) {
            waitFor(Path.of(release), false);
        }

        private static void waitFor(Path file, boolean interruptible) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!Files.exists(file) && System.nanoTime() < deadline) {
                if (Thread.currentThread().isInterrupted()) {
                    if (interruptible) {
                        return;
                    }
                    Thread.interrupted(); // a stuck task ignores interrupts
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    /** Registers {@link Impl} for a worker started by the CLI ({@code --app}). */
    final class Provider implements TaskProvider {
        @Override
        public void register(TaskRegistry.Builder registry) {
            registry.register(ObserveTasks.class, new Impl());
        }
    }
}
