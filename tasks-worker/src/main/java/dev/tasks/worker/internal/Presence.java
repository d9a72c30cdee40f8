package dev.tasks.worker.internal;

import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.WorkerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.function.IntSupplier;
import org.slf4j.Logger;

/**
 * Keeps this worker's record in the broker's {@link WorkerDirectory} (what {@code tasks workers} lists):
 * written on start and with every heartbeat, removed at shutdown. The record is stale after
 * {@link LayoutGuard#TTL_HEARTBEATS} missed heartbeats. Failures are logged and never stop the worker: the
 * record is for operators only.
 */
final class Presence {
    private static final Logger log = LogSafe.logger(Presence.class);
    private static final String VERSION = readVersion();
    private static final String HOST = readHost();

    private final Optional<WorkerDirectory> directory;
    private final WorkerConfig config;
    private final IntSupplier running;
    private final Duration staleAfter;
    private volatile Instant startedAt;
    private volatile boolean failing;

    Presence(WorkerConfig config, IntSupplier running) {
        this.directory = config.broker().workers();
        this.config = config;
        this.running = running;
        Duration t = config.heartbeatInterval().multipliedBy(LayoutGuard.TTL_HEARTBEATS);
        this.staleAfter = t.compareTo(LayoutGuard.MIN_TTL) < 0 ? LayoutGuard.MIN_TTL : t;
    }

    /** Writes the first record. */
    void start() {
        startedAt = config.clock().instant();
        heartbeat();
    }

    /** Writes the record again with the current number of running tasks. */
    void heartbeat() {
        if (directory.isEmpty() || startedAt == null) {
            return;
        }
        Instant now = config.clock().instant();
        try {
            directory.get().record(new WorkerInfo(config.workerId(), HOST, ProcessHandle.current().pid(),
                    config.queues(), config.concurrency(), running.getAsInt(), VERSION, startedAt, now,
                    now.plus(staleAfter)));
            if (failing) {
                log.info("worker {} records its presence in the broker again", config.workerId());
            }
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("worker {} could not record its presence ({}); 'tasks workers' shows it stale until the"
                        + " next heartbeat gets through", config.workerId(), e.toString());
            }
            failing = true;
        }
    }

    /** Removes the record (at shutdown); a failure is logged, the record then turns stale. */
    void withdraw() {
        if (directory.isEmpty() || startedAt == null) {
            return;
        }
        try {
            directory.get().remove(config.workerId());
        } catch (RuntimeException e) {
            log.warn("worker {} could not remove its record ({}); it shows as stale within {}", config.workerId(),
                    e.toString(), staleAfter);
        }
    }

    private static String readVersion() {
        Properties p = new Properties();
        try (InputStream in = Presence.class.getResourceAsStream("/dev/tasks/worker/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    private static String readHost() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
