package dev.tasks.worker.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.support.LogSafe;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP port of a long-running command ({@code --metrics-port}), on the JDK's HTTP server:
 * {@code GET /metrics} in the Prometheus text format, and, when the command gives its {@link Health},
 * {@code GET /health/live} and {@code GET /health/ready}, which answer 200 when up and 503 when down, with a
 * small JSON body ({@code {"status":"DOWN","reason":"..."}}). {@code HEAD} answers the status alone; other
 * methods get 405. Two threads serve requests, so a health check waiting for a slow broker does not hold
 * up a scrape for long.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LogSafe.logger(MetricsServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code port} (0: any free port) on all interfaces.
     *
     * @throws ConfigurationException when the port cannot be bound
     */
    static MetricsServer start(int port, PrometheusMeterRegistry registry) {
        return start(port, registry, null);
    }

    /**
     * Starts serving metrics and, unless {@code health} is null, the health checks, on {@code port} (0: any
     * free port) on all interfaces.
     *
     * @throws ConfigurationException when the port cannot be bound
     */
    public static MetricsServer start(int port, PrometheusMeterRegistry registry, Health health) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new ConfigurationException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tasks-metrics-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> serve(exchange, registry));
        if (health != null) {
            server.createContext("/health/live", exchange -> serveHealth(exchange, health::live));
            server.createContext("/health/ready", exchange -> serveHealth(exchange, health::ready));
        }
        server.start();
        log.info("serving Prometheus metrics on http://0.0.0.0:{}/metrics{}", server.getAddress().getPort(),
                health == null ? "" : ", health checks on /health/live and /health/ready");
        return new MetricsServer(server, executor);
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (RuntimeException e) {
            log.warn("metrics scrape failed: {}", e.toString());
        }
    }

    private static void serveHealth(HttpExchange exchange, Supplier<Health.Status> check)
            throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Health.Status status;
            try {
                status = check.get();
            } catch (RuntimeException e) {
                status = Health.Status.down("health check failed: " + TasksCli.oneLine(e.toString()), Map.of());
            }
            byte[] body = status.toJson().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status.httpStatus(), -1);
                return;
            }
            exchange.sendResponseHeaders(status.httpStatus(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving at once. Safe to call twice. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
