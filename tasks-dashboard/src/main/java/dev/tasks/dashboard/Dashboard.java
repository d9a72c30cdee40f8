package dev.tasks.dashboard;

import com.sun.net.httpserver.HttpServer;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.LogSafe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * The operators' web dashboard over one broker: queue counts with their history, dead letters with replay
 * and purge, one task by id with revoke. It uses the broker SPI only (the same calls as {@code tasks
 * inspect}, {@code tasks dlq} and {@code tasks revoke}), so it works with every broker. Pages are rendered
 * on the server with every value HTML-escaped; the page's small script and style sheet are served by the
 * dashboard itself, so it works with no internet access.
 *
 * <p>Safe by default: it binds to {@value #DEFAULT_BIND} unless told otherwise; bound beyond localhost
 * without {@link DashboardCredentials} it is read-only; with credentials every request needs them; write
 * actions need the page's CSRF token; and {@link Builder#readOnly(boolean)} turns them off altogether.
 *
 * <pre>{@code
 * Dashboard d = Dashboard.builder().broker(broker).port(0).build().start();
 * System.out.println("open " + d.url());
 * ...
 * d.close(); // the broker stays open: it is the caller's
 * }</pre>
 *
 * Thread-safe. {@link #start()} and {@link #close()} are each safe to call twice.
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger log = LogSafe.logger(Dashboard.class);

    /** The address bound when none is given: the local machine only. */
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** The port bound when none is given. */
    public static final int DEFAULT_PORT = 7070;
    /** How often the overview's counts are read and the page refreshed. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(2);
    /** How far back the overview's charts reach. */
    public static final Duration DEFAULT_HISTORY = Duration.ofMinutes(10);
    private static final int HTTP_THREADS = 4;

    private final Broker broker;
    private final InetAddress bind;
    private final int requestedPort;
    private final Duration refresh;
    private final Guard guard;
    private final History history;
    private final Clock clock;
    private HttpServer server;
    private ExecutorService httpThreads;
    private ScheduledExecutorService sampler;
    private boolean closed;

    private Dashboard(Builder b) {
        this.broker = b.broker;
        this.bind = b.bind;
        this.requestedPort = b.port;
        this.refresh = b.refresh;
        this.clock = b.clock;
        this.guard = new Guard(b.bind.isLoopbackAddress(), b.credentials, b.readOnly);
        int capacity = (int) Math.max(2, Math.min(3600, b.history.toMillis() / Math.max(1, b.refresh.toMillis())));
        this.history = new History(b.broker, b.throughput, b.clock, capacity);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving and sampling.
     *
     * @return this
     * @throws ConfigurationException when the address cannot be bound (port in use, no such interface)
     * @throws IllegalStateException when already closed
     */
    public synchronized Dashboard start() {
        if (closed) {
            throw new IllegalStateException("dashboard is closed and cannot be started again");
        }
        if (server != null) {
            return this;
        }
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(bind, requestedPort), 64);
        } catch (IOException e) {
            throw new ConfigurationException("cannot serve the dashboard on " + bind.getHostAddress() + ":" + requestedPort
                    + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        httpThreads = Executors.newFixedThreadPool(HTTP_THREADS, r -> daemon(r, "tasks-dashboard-http-" + n.incrementAndGet()));
        sampler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tasks-dashboard-sampler"));
        s.setExecutor(httpThreads);
        s.createContext("/", new Router(broker, guard, history, clock, refresh));
        sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
        s.start();
        server = s;
        log.info("dashboard on {} for broker {} (auth {}, write actions {}, refresh {})", url(), broker.describe(),
                guard.authRequired() ? "required" : "off",
                guard.readOnlyReason() == null ? "on" : "off: " + guard.readOnlyReason(), refresh);
        return this;
    }

    private void sampleQuietly() {
        try {
            history.sample();
        } catch (Throwable t) { // a dead sampler would freeze the page's numbers without a word
            log.warn("dashboard sampling failed: {}", t.toString());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The bound port (the one chosen by the system when asked for port 0). */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("dashboard is not started");
        }
        return server.getAddress().getPort();
    }

    /** The dashboard's address, e.g. {@code http://127.0.0.1:7070/}. */
    public synchronized String url() {
        String host = bind.isAnyLocalAddress() ? "localhost" : bind.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + port() + "/";
    }

    /** Why write actions are off, or null when they are on. */
    public String readOnlyReason() {
        return guard.readOnlyReason();
    }

    /** Stops serving and sampling. Does not close the broker, which is the caller's. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.stop(0);
            httpThreads.shutdownNow();
            sampler.shutdownNow();
        }
    }

    /** Builds a {@link Dashboard}. Not thread-safe; {@link #build()} snapshots the settings. */
    public static final class Builder {
        private Broker broker;
        private InetAddress bind;
        private int port = DEFAULT_PORT;
        private DashboardCredentials credentials;
        private boolean readOnly;
        private Duration refresh = DEFAULT_REFRESH;
        private Duration history = DEFAULT_HISTORY;
        private Throughput throughput;
        private Clock clock = Clock.systemUTC();

        private Builder() {
            try {
                bind = InetAddress.getByName(DEFAULT_BIND);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The broker to show (required); the dashboard never closes it. */
        public Builder broker(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /**
         * The address to bind (default {@value #DEFAULT_BIND}); {@code 0.0.0.0} for every interface.
         *
         * @throws IllegalArgumentException when it is not an IP address or a name that resolves
         */
        public Builder bind(String address) {
            Objects.requireNonNull(address, "address");
            try {
                this.bind = InetAddress.getByName(address.strip());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("dashboard bind address '" + address + "' does not resolve", e);
            }
            return this;
        }

        /** The port (default {@value #DEFAULT_PORT}; 0 for any free port). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("dashboard port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The credentials every request must carry (default: none, which is read-only beyond localhost). */
        public Builder credentials(DashboardCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Turns replay, purge and revoke off (default false). */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /** How often counts are read and the overview refreshed (default 2 s, at least 100 ms). */
        public Builder refresh(Duration refresh) {
            Objects.requireNonNull(refresh, "refresh");
            if (refresh.toMillis() < 100) {
                throw new IllegalArgumentException("dashboard refresh must be at least 100 ms, was " + refresh);
            }
            this.refresh = refresh;
            return this;
        }

        /** How far back the overview's charts reach (default 10 minutes). */
        public Builder history(Duration history) {
            Objects.requireNonNull(history, "history");
            if (history.isNegative() || history.isZero()) {
                throw new IllegalArgumentException("dashboard history must be positive, was " + history);
            }
            this.history = history;
            return this;
        }

        /** Totals of processed and failed tasks for the rate charts (default: none; see {@link Throughput}). */
        public Builder throughput(Throughput throughput) {
            this.throughput = throughput;
            return this;
        }

        /** The clock of the pages' time stamps and of revocation records. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * A new, unstarted dashboard.
         *
         * @throws IllegalStateException when no broker was given
         */
        public Dashboard build() {
            if (broker == null) {
                throw new IllegalStateException("a dashboard needs a broker: call broker(..) before build()");
            }
            return new Dashboard(this);
        }
    }
}
