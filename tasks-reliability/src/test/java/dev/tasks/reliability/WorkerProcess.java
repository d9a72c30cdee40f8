package dev.tasks.reliability;

import dev.tasks.worker.cli.TasksCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code tasks} command ({@code worker}, {@code inspect}, ...) in its own JVM, on the test class path,
 * output and errors to a log file. {@link #kill()} is {@code kill -9}. Closing kills it if still alive.
 */
final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final long startedNanos = System.nanoTime();

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** A builder of the command line. */
    static Builder builder(Path log) {
        return new Builder(log);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long startedNanos() {
        return startedNanos;
    }

    /** Everything the process printed so far. */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** The lines of {@link #log()} at level WARN or ERROR (at most the first 40), for assertion messages. */
    String warnings() {
        List<String> out = new ArrayList<>();
        for (String line : log().split("\n")) {
            if ((line.contains(" WARN ") || line.contains(" ERROR ")) && out.size() < 40) {
                out.add(line);
            }
        }
        return out.isEmpty() ? "(none)" : String.join("\n", out);
    }

    /** {@code kill -9}; waits until it is gone. */
    void kill() {
        process.destroyForcibly();
        waitFor(10);
    }

    /** SIGTERM (warm shutdown). */
    void terminate() {
        process.destroy();
    }

    /** Waits for the exit; returns the exit code, or -1 if still running after {@code seconds}. */
    int waitFor(long seconds) {
        try {
            if (process.waitFor(seconds, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(10);
        }
    }

    /** The command line and environment of a {@link WorkerProcess}. */
    static final class Builder {
        private final Path log;
        private final List<String> jvm = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC"));
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> args = new ArrayList<>();
        private String mainClass = TasksCli.class.getName();

        private Builder(Path log) {
            this.log = log;
        }

        Builder jvm(String... options) {
            jvm.addAll(List.of(options));
            return this;
        }

        Builder systemProperty(String name, String value) {
            jvm.add("-D" + name + "=" + value);
            return this;
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Runs another main class than the {@code tasks} CLI. */
        Builder mainClass(String name) {
            this.mainClass = name;
            return this;
        }

        Builder args(String... a) {
            args.addAll(List.of(a));
            return this;
        }

        /** {@code worker -Q queue --app RelTaskProvider} plus the given arguments. */
        Builder worker(String queue, String... more) {
            args.addAll(List.of("worker", "-Q", queue, "--app", RelTaskProvider.class.getName()));
            args.addAll(List.of(more));
            return this;
        }

        WorkerProcess start() {
            List<String> cmd = new ArrayList<>();
            cmd.add(Env.java());
            cmd.addAll(jvm);
            cmd.add("-cp");
            cmd.add(Env.classPath());
            cmd.add(mainClass);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            // Nothing of the test JVM's own settings leaks in: no broker variables, and the working
            // directory (the log's) has no tasks.properties.
            pb.environment().keySet().removeIf(k -> k.startsWith("TASKS_"));
            pb.environment().putAll(env);
            pb.directory(log.getParent().toFile());
            try {
                return new WorkerProcess(pb.start(), log);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + cmd, e);
            }
        }

        /** Runs the command to its end (at most {@code seconds}); returns the exit code and output. */
        Result run(long seconds) {
            try (WorkerProcess p = start()) {
                int code = p.waitFor(seconds);
                return new Result(code, p.log());
            }
        }
    }

    /** Exit code (-1: killed after the time limit) and output of a finished command. */
    record Result(int exitCode, String output) {}
}
