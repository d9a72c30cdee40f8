package dev.tasks.worker.cli;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.TasksConfig;
import dev.tasks.dashboard.Dashboard;
import dev.tasks.dashboard.DashboardCredentials;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Queues;
import dev.tasks.spi.TaskProvider;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.PoolType;
import dev.tasks.worker.Termination;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import picocli.CommandLine;

/**
 * {@code tasks worker}: runs a worker until SIGTERM/SIGINT (warm shutdown; a second signal is cold).
 * Each option can also be set in the environment or {@code tasks.properties} as {@code tasks.worker.<name>}
 * ({@code TASKS_WORKER_CONCURRENCY=8}); the flag wins.
 */
@CommandLine.Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs tasks from the given queues until stopped.",
            "SIGTERM or SIGINT: warm shutdown (stop fetching, give back prefetched tasks, let running tasks finish "
                + "within --grace, then give back the rest); a second signal: cold shutdown (give back everything now)."})
final class WorkerCommand implements Callable<Integer> {
    private static final Logger log = LogSafe.logger(WorkerCommand.class);

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = {"-Q", "--queues"}, split = ",", paramLabel = "QUEUE",
            converter = Converters.Queue.class,
            description = "Queues to consume, comma-separated, served fairly. Default: default.")
    List<String> queues;

    @CommandLine.Option(names = {"-c", "--concurrency"}, paramLabel = "N",
            description = "Tasks run at once. Default: the number of processors.")
    Integer concurrency;

    @CommandLine.Option(names = "--pool", paramLabel = "platform|virtual",
            description = "Threads that run tasks: platform (default) or virtual (Java 21+).")
    PoolType pool;

    @CommandLine.Option(names = "--prefetch", paramLabel = "N",
            description = "Fetched tasks that may wait for a free slot. Default: 4 times the concurrency; 0 for long tasks.")
    Integer prefetch;

    @CommandLine.Option(names = "--grace", paramLabel = "DURATION", converter = Converters.DurationValue.class,
            description = "Warm shutdown grace period (PT30S or 30s). Default: 30s.")
    Duration grace;

    @CommandLine.Option(names = "--lease", paramLabel = "DURATION", converter = Converters.DurationValue.class,
            description = "Lease (visibility timeout) of fetched tasks, extended while they run. Default: 5m.")
    Duration lease;

    @CommandLine.Mixin
    BrokerWaitOption brokerWait;

    @CommandLine.Option(names = "--max-stuck-threads", paramLabel = "N",
            description = "Threads stuck past a hard time limit tolerated before the worker exits with code 3"
                    + " for its supervisor to restart it. Default: the concurrency.")
    Integer maxStuckThreads;

    @CommandLine.Option(names = "--unknown-task-grace", paramLabel = "DURATION",
            converter = Converters.DurationValue.class,
            description = "How long tasks of unknown names are kept coming back before they are dead-lettered."
                    + " Default: 10m.")
    Duration unknownTaskGrace;

    @CommandLine.Option(names = "--max-message-bytes", paramLabel = "BYTES",
            description = "Largest message read, in bytes; a larger one is dead-lettered unread."
                    + " Default: 1048576 (the enqueue limit).")
    Integer maxMessageBytes;

    @CommandLine.Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics on http://0.0.0.0:PORT/metrics, and health checks on /health/live"
                    + " and /health/ready (0: any free port).")
    Integer metricsPort;

    @CommandLine.Option(names = "--dashboard-port", paramLabel = "PORT",
            description = "Serve the web dashboard on http://127.0.0.1:PORT/ (0: any free port), with this worker's"
                    + " processed and failed rates. See tasks dashboard for credentials.")
    Integer dashboardPort;

    @CommandLine.Option(names = "--dashboard-bind", paramLabel = "ADDRESS",
            description = "Address the dashboard listens on. Default: 127.0.0.1 (this machine only).")
    String dashboardBind;

    @CommandLine.Option(names = "--app", paramLabel = "CLASS",
            description = "A dev.tasks.spi.TaskProvider class registering the tasks. Default: every provider listed"
                    + " in META-INF/services/dev.tasks.spi.TaskProvider on the class path.")
    String app;

    @CommandLine.Option(names = "--worker-id", paramLabel = "ID", description = "This worker's id. Default: host-pid-random.")
    String workerId;

    @Override
    public Integer call() {
        TasksConfig config = brokerOptions.config();
        Worker.Builder builder = Worker.builder();
        List<String> qs = queues != null ? queues : config.get("worker.queues").map(WorkerCommand::splitQueues)
                .orElse(WorkerConfig.DEFAULT_QUEUES);
        builder.queues(qs);
        resolve(concurrency, config, "worker.concurrency", Integer::valueOf).ifPresent(builder::concurrency);
        resolve(pool, config, "worker.pool", v -> PoolType.valueOf(v.toUpperCase(Locale.ROOT))).ifPresent(builder::pool);
        resolve(prefetch, config, "worker.prefetch", Integer::valueOf).ifPresent(builder::prefetch);
        Duration shutdownGrace = resolve(grace, config, "worker.grace", Converters::parseDuration)
                .orElse(WorkerConfig.DEFAULT_SHUTDOWN_GRACE);
        builder.shutdownGrace(shutdownGrace);
        resolve(lease, config, "worker.lease", Converters::parseDuration).ifPresent(l -> {
            builder.lease(l);
            Duration beat = l.dividedBy(3);
            if (beat.compareTo(WorkerConfig.DEFAULT_HEARTBEAT_INTERVAL) < 0) {
                builder.heartbeatInterval(beat);
            }
        });
        resolve(maxStuckThreads, config, "worker.maxStuckThreads", Integer::valueOf).ifPresent(builder::maxStuckThreads);
        resolve(unknownTaskGrace, config, "worker.unknownTaskGrace", Converters::parseDuration)
                .ifPresent(builder::unknownTaskGrace);
        resolve(maxMessageBytes, config, "worker.maxMessageBytes", Integer::valueOf).ifPresent(builder::maxMessageBytes);
        resolve(workerId, config, "worker.id", Function.identity()).ifPresent(builder::workerId);
        Optional<Integer> port = resolve(metricsPort, config, "worker.metricsPort", Integer::valueOf);
        if (port.isPresent() && (port.get() < 0 || port.get() > 65535)) {
            throw new ConfigurationException("--metrics-port must be between 0 and 65535, was " + port.get());
        }
        Optional<Integer> dashboard = resolve(dashboardPort, config, "worker.dashboardPort", Integer::valueOf);
        if (dashboard.isPresent() && (dashboard.get() < 0 || dashboard.get() > 65535)) {
            throw new ConfigurationException("--dashboard-port must be between 0 and 65535, was " + dashboard.get());
        }
        Optional<String> dashboardAddress = resolve(dashboardBind, config, "worker.dashboardBind", Function.identity());
        TaskRegistry registry = loadRegistry();
        builder.registry(registry);

        MeterRegistry meters = port.isPresent() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                : new SimpleMeterRegistry();
        builder.meterRegistry(meters);
        log.info("configuration: {}", config.describe());
        try (Broker broker = brokerOptions.open(config, brokerWait.resolve(config));
                WorkerHealth health = new WorkerHealth(broker, qs.get(0));
                JvmMeters jvm = port.isPresent() ? JvmMeters.bindTo(meters) : null;
                MetricsServer server = port.isPresent()
                        ? MetricsServer.start(port.get(), (PrometheusMeterRegistry) meters, health) : null;
                Dashboard web = dashboard.isPresent()
                        ? startDashboard(broker, dashboard.get(), dashboardAddress, meters) : null) {
            Worker worker = builder.broker(broker).build();
            health.watch(worker);
            Object startLock = new Object();
            boolean[] stopRequested = {false};
            Signals.install(() -> {
                synchronized (startLock) {
                    stopRequested[0] = true;
                }
                log.info("signal received: warm shutdown (grace {}); send it again for a cold shutdown", shutdownGrace);
                Thread t = new Thread(() -> worker.stop(shutdownGrace), "tasks-warm-shutdown");
                t.setDaemon(true);
                t.start();
            }, () -> {
                log.warn("second signal received: cold shutdown, giving back every held task now");
                Thread t = new Thread(worker::stopNow, "tasks-cold-shutdown");
                t.setDaemon(true);
                t.start();
            });
            synchronized (startLock) {
                // A signal before this point stops a worker that never started: it holds nothing, exit 0.
                if (stopRequested[0] || StartSignals.exiting()) {
                    log.info("signal received during start-up: exiting without starting the worker");
                    return ExitCodes.OK;
                }
                worker.start();
            }
            while (!worker.awaitTermination(Duration.ofHours(1))) {
                if (Thread.interrupted()) {
                    worker.stop(shutdownGrace);
                    break;
                }
            }
            if (worker.termination().orElse(Termination.STOPPED) == Termination.TOO_MANY_STUCK_THREADS) {
                log.error("exiting with code {}: too many threads stuck past their hard time limit; restart this"
                        + " worker", ExitCodes.STUCK_THREADS);
                return ExitCodes.STUCK_THREADS;
            }
            return ExitCodes.OK;
        }
    }

    /** The embedded dashboard over this worker's broker, charting its own processed and failed tasks. */
    private static Dashboard startDashboard(Broker broker, int port, Optional<String> bind, MeterRegistry meters) {
        Dashboard.Builder b = Dashboard.builder().broker(broker).port(port).throughput(new MeterThroughput(meters));
        bind.ifPresent(b::bind);
        DashboardCredentials.fromEnvironment(System.getenv()).ifPresent(b::credentials);
        return b.build().start();
    }

    private TaskRegistry loadRegistry() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : WorkerCommand.class.getClassLoader();
        TaskRegistry.Builder builder = TaskRegistry.builder();
        if (app != null) {
            Class<?> type;
            try {
                type = Class.forName(app, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ConfigurationException("--app " + app + ": class not found on the class path");
            }
            if (!TaskProvider.class.isAssignableFrom(type)) {
                throw new ConfigurationException("--app " + app + " does not implement " + TaskProvider.class.getName());
            }
            TaskProvider provider;
            try {
                provider = (TaskProvider) type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                Throwable why = e.getCause() != null ? e.getCause() : e;
                throw new ConfigurationException("--app " + app + ": cannot create it with its no-argument constructor: "
                        + why, why);
            }
            provider.register(builder);
        } else {
            builder.discover(loader);
        }
        TaskRegistry registry = builder.build();
        if (registry.definitions().isEmpty()) {
            throw new ConfigurationException("no tasks to run: list a dev.tasks.spi.TaskProvider in "
                    + "META-INF/services/dev.tasks.spi.TaskProvider on the class path, or pass --app CLASS");
        }
        return registry;
    }

    private static List<String> splitQueues(String value) {
        List<String> list = new ArrayList<>();
        for (String q : value.split(",")) {
            if (!q.isBlank()) {
                list.add(Queues.check(q.strip()));
            }
        }
        return list;
    }

    private static <T> Optional<T> resolve(T flag, TasksConfig config, String name, Function<String, T> parse) {
        if (flag != null) {
            return Optional.of(flag);
        }
        Optional<String> raw = config.get(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse.apply(raw.get().strip()));
        } catch (RuntimeException e) {
            throw new ConfigurationException("invalid value '" + raw.get() + "' for " + TasksConfig.envName(name)
                    + " / tasks." + name + " (from " + config.source(name).name().toLowerCase(Locale.ROOT) + "): "
                    + e.getMessage(), e);
        }
    }
}
