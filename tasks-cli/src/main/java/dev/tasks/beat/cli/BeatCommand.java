package dev.tasks.beat.cli;

import dev.tasks.Brokers;
import dev.tasks.ConfigurationException;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.TasksException;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleConfig;
import dev.tasks.beat.ScheduleProvider;
import dev.tasks.micrometer.MicrometerPublishMetrics;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.Durations;
import dev.tasks.spi.support.ServiceFiles;
import dev.tasks.worker.cli.BrokerWait;
import dev.tasks.worker.cli.BrokerWaitOption;
import dev.tasks.worker.cli.JvmMeters;
import dev.tasks.worker.cli.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code beat} command: runs the periodic scheduler until SIGTERM or SIGINT (a warm stop that releases
 * the leader lock at once; exit status 0), or with {@code --dry-run} prints the next fire times and exits.
 *
 * <p>Schedules come from {@code --schedule-file} (see {@link ScheduleConfig} for the format), from the
 * {@link ScheduleProvider} classes named by {@code --app}, and from every {@code ScheduleProvider}
 * registered for {@link ServiceLoader}. The broker URL is {@code --broker}, else the environment variable
 * {@value #BROKER_ENV}, else {@code tasks.broker.url} in {@code tasks.properties}, else
 * {@link Brokers#DEFAULT_URL} (see {@link TasksConfig}); routing rules come from {@code tasks.routes}.
 *
 * <p>Exit status (as the {@code tasks} command): 0 after a clean run or dry run, 2 for bad usage or
 * configuration, 1 for a runtime failure such as an unreachable broker (one line on stderr naming what
 * is wrong).
 */
@Command(name = "beat", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the periodic scheduler: enqueues tasks on their cron or interval schedules. Several beats"
                + " may run at once; a leader lock in the broker lets one enqueue.")
public final class BeatCommand implements Callable<Integer> {
    /** The environment variable that names the broker URL when {@code --broker} is not given. */
    public static final String BROKER_ENV = "TASKS_BROKER_URL";
    /** Exit status for bad usage or configuration (bad schedule file, unknown broker scheme...), as {@code tasks}. */
    public static final int EXIT_CONFIG = 2;
    /** Exit status for a runtime failure (broker unreachable...), as {@code tasks}. */
    public static final int EXIT_RUNTIME = 1;
    /** The exit-status section of {@code beat --help}. */
    static final List<String> EXIT_CODES_HELP = List.of(
        "",
        "Exit codes:",
        "  0  success; a beat stopped by SIGTERM/SIGINT; a dry run",
        "  1  runtime error (broker still unreachable after --broker-wait, unexpected error)",
        "  2  usage or configuration error (bad flag, URL, schedule file or schedule provider)");

    @Option(names = "--broker", paramLabel = "URL",
            description = "Broker URL (default: $" + BROKER_ENV + ", else tasks.broker.url in tasks.properties, else the"
                    + " embedded H2 database).")
    String brokerUrl;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file to read instead of ./tasks.properties (or TASKS_CONFIG).")
    Path configFile;

    @CommandLine.Mixin
    BrokerWaitOption brokerWait;

    @Option(names = "--schedule-file", paramLabel = "PATH",
            description = "Properties file with beat.schedule.<name>.cron|interval|task|args|zone|queue|missed keys.")
    List<Path> scheduleFiles = new ArrayList<>();

    @Option(names = "--app", paramLabel = "CLASS",
            description = "A class implementing dev.tasks.beat.ScheduleProvider (repeatable).")
    List<String> apps = new ArrayList<>();

    @Option(names = "--dry-run", description = "Print the next fire times of every schedule and exit.")
    boolean dryRun;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "5",
            description = "How many fire times --dry-run prints per schedule (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--lock-ttl", paramLabel = "DURATION", defaultValue = "30s",
            description = "Leader lease TTL, e.g. 30s or PT30S (default: ${DEFAULT-VALUE}); a standby takes over"
                    + " within it when the leader dies.")
    String lockTtl;

    @Option(names = "--lock-name", paramLabel = "NAME", defaultValue = Beat.DEFAULT_LOCK_NAME,
            description = "Leader lock name (default: ${DEFAULT-VALUE}); beats with the same name share one leader.")
    String lockName;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics (tasks enqueued) on http://0.0.0.0:PORT/metrics, and health checks"
                    + " on /health/live and /health/ready (0: any free port; default: off, or tasks.beat.metricsPort).")
    Integer metricsPort;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** A command on the system streams, environment and clock. */
    public BeatCommand() {
        this(System.out, System.err, System.getenv(), Clock.systemUTC());
    }

    /** A command with its own streams, environment and clock (for embedding and tests). */
    public BeatCommand(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = Map.copyOf(env);
        this.clock = clock;
    }

    /**
     * A command line for this command with the error handling the {@code beat} executable uses: one line on
     * stderr, no stack trace, exit status {@link #EXIT_CONFIG} for usage and configuration errors,
     * {@link #EXIT_RUNTIME} otherwise.
     */
    public static CommandLine commandLine(BeatCommand command) {
        CommandLine cl = new CommandLine(command);
        cl.getCommandSpec().usageMessage().footer(EXIT_CODES_HELP.toArray(new String[0]));
        cl.setOut(new java.io.PrintWriter(command.out, true));
        cl.setErr(new java.io.PrintWriter(command.err, true));
        cl.setParameterExceptionHandler((ex, args) -> {
            command.err.println("beat: " + ex.getMessage() + " (see beat --help)");
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof picocli.CommandLine.ExecutionException && ex.getCause() instanceof Exception c) {
                ex = c;
            }
            if (ex instanceof dev.tasks.ConfigurationException || ex instanceof dev.tasks.TaskDefinitionException
                    || ex instanceof IllegalArgumentException) {
                command.err.println("beat: " + ex.getMessage());
                return EXIT_CONFIG;
            }
            if (ex instanceof TasksException) {
                command.err.println("beat: " + ex.getMessage());
                return EXIT_RUNTIME;
            }
            command.err.println("beat: unexpected failure: " + ex);
            return EXIT_RUNTIME;
        });
        return cl;
    }

    /** Runs the command with these arguments and returns its exit status. */
    public static int execute(String... args) {
        return commandLine(new BeatCommand()).execute(args);
    }

    /** Asks a running {@code beat} to stop (as SIGTERM does). */
    public void requestStop() {
        stopSignal.countDown();
    }

    @Override
    public Integer call() {
        if (count < 1) {
            throw new ConfigurationException("--count must be >= 1, was " + count);
        }
        Duration ttl;
        try {
            ttl = Durations.parse(lockTtl);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("--lock-ttl: " + e.getMessage());
        }
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigurationException("--lock-ttl must be >= 1s, was " + lockTtl);
        }
        if (dryRun) {
            try (Tasks recorder = Tasks.builder().eager(true).clock(clock).build()) {
                List<Schedule> schedules = schedules(recorder);
                Beat.dryRun(schedules, clock.instant(), count, out);
            }
            return CommandLine.ExitCode.OK;
        }
        TasksConfig.Builder cb = TasksConfig.builder().environment(env);
        if (brokerUrl != null) {
            cb.set(TasksConfig.BROKER_URL, brokerUrl);
        }
        if (configFile != null) {
            cb.file(configFile);
        }
        TasksConfig config = cb.build();
        Routes routes = Routes.parse(config.get(Routes.PROPERTY).orElse(null));
        Duration brokerWaitFor = brokerWait.resolve(config);
        Integer port = metricsPort(config);
        PrometheusMeterRegistry meters = port == null ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Tasks.Builder client = Tasks.builder().routes(routes).clock(clock);
        if (meters != null) {
            client.metrics(new MicrometerPublishMetrics(meters));
        }
        // The wait is measured on the system clock: the command's clock may be a test's, which never moves.
        try (Broker broker = BrokerWait.open(() -> Brokers.open(config.brokerSettings(clock)), brokerWaitFor,
                        Clock.systemUTC());
                Tasks tasks = client.broker(broker).build();
                BeatHealth health = new BeatHealth(broker);
                JvmMeters jvm = meters == null ? null : JvmMeters.bindTo(meters);
                MetricsServer server = port == null ? null : MetricsServer.start(port, meters, health)) {
            List<Schedule> schedules = schedules(tasks);
            Beat beat = Beat.builder().tasks(tasks).broker(broker).schedules(schedules).clock(clock).lockTtl(ttl)
                    .lockName(lockName).build();
            Runnable restore = onSignals(() -> {
                health.stopping();
                requestStop();
            }, this::awaitStopped);
            try {
                beat.start();
                health.running(beat);
                out.println("beat: running " + schedules.size() + " schedule(s) on " + broker.describe() + " as "
                        + beat.owner() + "; stop with SIGTERM");
                out.flush();
                awaitStop();
                health.stopping();
            } finally {
                beat.stop();
                stopped.countDown();
                restore.run();
            }
            out.println("beat: stopped");
            out.flush();
            return CommandLine.ExitCode.OK;
        }
    }

    /** The metrics port from the flag, else {@code tasks.beat.metricsPort}; null when off. */
    private Integer metricsPort(TasksConfig config) {
        Integer port = metricsPort;
        if (port == null) {
            Optional<String> raw = config.get("beat.metricsPort");
            if (raw.isEmpty()) {
                return null;
            }
            try {
                port = Integer.valueOf(raw.get().strip());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("invalid value '" + raw.get() + "' for tasks.beat.metricsPort: not a"
                        + " port number");
            }
        }
        if (port < 0 || port > 65535) {
            throw new ConfigurationException("--metrics-port must be between 0 and 65535, was " + port);
        }
        return port;
    }

    private void awaitStopped() {
        try {
            stopped.await(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitStop() {
        try {
            stopSignal.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every schedule from files, --app classes and ServiceLoader providers, names unique. */
    List<Schedule> schedules(Tasks tasks) {
        Map<String, Schedule> all = new LinkedHashMap<>();
        for (Path f : scheduleFiles) {
            add(all, ScheduleConfig.load(f), "--schedule-file " + f);
        }
        Map<Class<?>, ScheduleProvider> providers = new LinkedHashMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : BeatCommand.class.getClassLoader();
        for (String app : apps) {
            ScheduleProvider p = instantiate(app, loader);
            providers.putIfAbsent(p.getClass(), p);
        }
        for (ScheduleProvider p : ServiceFiles.load(ScheduleProvider.class, loader)) {
            providers.putIfAbsent(p.getClass(), p);
        }
        for (ScheduleProvider p : providers.values()) {
            List<Schedule> list = p.schedules(tasks);
            add(all, list == null ? List.of() : list, p.getClass().getName());
        }
        if (all.isEmpty()) {
            throw new ConfigurationException("no schedules: give --schedule-file PATH or --app CLASS, or register a"
                    + " dev.tasks.beat.ScheduleProvider in META-INF/services");
        }
        return List.copyOf(all.values());
    }

    private static void add(Map<String, Schedule> all, List<Schedule> schedules, String source) {
        for (Schedule s : schedules) {
            if (all.putIfAbsent(s.name(), s) != null) {
                throw new ConfigurationException("schedule '" + s.name() + "' from " + source + " is declared twice;"
                        + " schedule names must be unique");
            }
        }
    }

    private static ScheduleProvider instantiate(String className, ClassLoader loader) {
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigurationException("--app " + className + ": class not found on the class path");
        }
        if (!ScheduleProvider.class.isAssignableFrom(c)) {
            throw new ConfigurationException("--app " + className + ": does not implement "
                    + ScheduleProvider.class.getName());
        }
        try {
            return (ScheduleProvider) c.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new ConfigurationException("--app " + className + ": needs a public no-argument constructor");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigurationException("--app " + className + ": its constructor failed: " + cause, cause);
        }
    }

    /**
     * Routes SIGTERM and SIGINT to {@code action} instead of the JVM's default exit (status 143/130), so a warm
     * stop ends with status 0. Uses {@code sun.misc.Signal} reflectively where the JVM has it; otherwise falls
     * back to a shutdown hook that waits for the warm stop ({@code awaitDone}). Returns how to undo it.
     */
    private static Runnable onSignals(Runnable action, Runnable awaitDone) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            InvocationHandler ih = (proxy, method, args) -> {
                if (method.getDeclaringClass() == Object.class) {
                    return switch (method.getName()) {
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "beat-signal-handler";
                    };
                }
                action.run();
                return null;
            };
            Object handler = Proxy.newProxyInstance(BeatCommand.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            var handle = signalClass.getMethod("handle", signalClass, handlerClass);
            var ctor = signalClass.getConstructor(String.class);
            Object term = ctor.newInstance("TERM");
            Object intr = ctor.newInstance("INT");
            Object oldTerm = handle.invoke(null, term, handler);
            Object oldInt = handle.invoke(null, intr, handler);
            return () -> {
                try {
                    handle.invoke(null, term, oldTerm);
                    handle.invoke(null, intr, oldInt);
                } catch (ReflectiveOperationException ignored) {
                    // the handlers stay; the process is ending anyway
                }
            };
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Thread hook = new Thread(() -> {
                action.run();
                awaitDone.run();
            }, "tasks-beat-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            return () -> {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // the hook is running: nothing to undo
                }
            };
        }
    }
}
