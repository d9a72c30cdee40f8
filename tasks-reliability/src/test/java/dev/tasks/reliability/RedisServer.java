package dev.tasks.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private {@code redis-server} process for one test class: bound to 127.0.0.1 only, on a free port,
 * with its own directory. {@link #kill()} is {@code kill -9}; {@link #start()} starts it again on the same
 * port and directory (so an append-only file survives). {@link #close()} kills it; a shutdown hook does
 * too if the test JVM exits without closing it.
 */
final class RedisServer implements AutoCloseable {
    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<String> extra;
    private final Path config;
    private final String readyText;
    private final Thread hook;
    private Process process;
    private int starts;

    private RedisServer(Path dir, int port, Path config, String readyText, List<String> extra) {
        this.binary = Env.executable("redis-server");
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.readyText = readyText;
        this.extra = List.copyOf(extra);
        this.hook = new Thread(this::killQuietly, "test-redis-server-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts a server in {@code dir} on a free port with the given extra arguments (e.g. {@code --appendonly yes}). */
    static RedisServer start(Path dir, String... extraArgs) {
        return start(dir, freePort(), extraArgs);
    }

    /** Starts a server in {@code dir} on {@code port} (e.g. a TLS port: pass {@code --port 0} in the arguments). */
    static RedisServer start(Path dir, int port, String... extraArgs) {
        return start(new RedisServer(dir, port, null, "Ready to accept connections", List.of(extraArgs)));
    }

    /**
     * Starts {@code redis-server <config> --sentinel} in {@code dir} on {@code port}; it is up when its log
     * says it monitors its master ({@code config} names it, and is rewritten by the Sentinel).
     */
    static RedisServer startSentinel(Path dir, int port, Path config) {
        return start(new RedisServer(dir, port, config, "+monitor master", List.of("--sentinel")));
    }

    private static RedisServer start(RedisServer s) {
        try {
            s.start();
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** A free TCP port on the loopback address (free when asked; a clash is unlikely, not impossible). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    String url() {
        return "redis://127.0.0.1:" + port;
    }

    Path dir() {
        return dir;
    }

    Path logFile() {
        return dir.resolve("redis.log");
    }

    /** The server's log so far (for failure messages). */
    String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile()) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the process (again) and waits until it accepts connections. */
    synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " is already running");
        }
        List<String> cmd = new ArrayList<>(List.of(binary.toString()));
        if (config != null) {
            cmd.add(config.toString());
        }
        cmd.addAll(List.of("--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--protected-mode", "yes", "--dir", dir.toString(), "--logfile",
                logFile().toString(), "--daemonize", "no", "--save", ""));
        boolean aof = false;
        for (String a : extra) {
            aof |= a.equals("--appendonly");
        }
        if (!aof) {
            cmd.add("--appendonly");
            cmd.add("no");
        }
        cmd.addAll(extra);
        // A later --port in extra (e.g. "--port 0" for TLS only) wins over the first.
        int readyLine = countReady();
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        starts++;
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> countReady() > readyLine || !process.isAlive());
        if (!process.isAlive()) {
            throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on start " + starts
                    + "; log:\n" + log() + "\noutput:\n" + read(dir.resolve("redis.out")));
        }
    }

    private int countReady() {
        String log = log();
        int n = 0;
        for (int i = log.indexOf(readyText); i >= 0; i = log.indexOf(readyText, i + 1)) {
            n++;
        }
        return n;
    }

    /** {@code kill -9}, and waits for the process to be gone. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("redis-server pid " + process.pid() + " survived kill -9");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
