package dev.tasks.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark harness: measures enqueue and processing throughput, end-to-end latency, cost per task,
 * scaling and worker footprint for each broker, next to the limits of the same machine
 * ({@code redis-benchmark}, a bare JVM), and prints one parseable line per figure (see {@link Report}).
 *
 * <pre>
 * ./mvnw -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/tasks-benchmarks.jar [--smoke|--quick|--full] [--only redis,postgres,mariadb,h2]
 * </pre>
 *
 * Not a test: it asserts no timings. {@code --smoke} runs everything with tiny counts in a few seconds and
 * exits with 1 if any scenario failed.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {}

    /** Runs the harness, printing to {@code out}; returns the exit status without exiting. */
    public static int run(PrintStream out, String... args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            out.println(Options.USAGE);
            return 2;
        }
        return run(out, options).failures().isEmpty() ? 0 : 1;
    }

    static Report run(PrintStream out, Options options) {
        Report report = new Report(out);
        long t0 = System.nanoTime();
        report.info("tasks benchmarks: mode=" + options.mode().name().toLowerCase(java.util.Locale.ROOT) + " brokers="
                + options.only() + " cpus=" + Runtime.getRuntime().availableProcessors() + " java="
                + System.getProperty("java.version"));
        if (options.processes() && options.runs("limits")) {
            attempt(report, "jvm", "limits", () -> {
                Limits.jvm(report);
                return null;
            });
        }
        List<Runnable> brokers = new ArrayList<>();
        if (options.only().contains("redis")) {
            brokers.add(() -> redis(report, options));
        }
        for (String jdbc : List.of("postgres", "mariadb", "h2")) {
            if (options.only().contains(jdbc)) {
                brokers.add(() -> Jdbc.run(jdbc, report, options));
            }
        }
        brokers.forEach(Runnable::run);
        report.info("done in " + (System.nanoTime() - t0) / 1_000_000_000 + " s, " + report.results().size()
                + " results, " + report.failures().size() + " failure(s)");
        return report;
    }

    private static void redis(Report report, Options options) {
        RedisTarget target = attempt(report, "redis", "connect", () -> new RedisTarget(options.redisUrl()));
        if (target == null) {
            return;
        }
        try (target) {
            if (options.runs("limits")) {
                attempt(report, "redis", "limits", () -> {
                    Limits.redis(report, options.redisUrl(), target.properties().get("tasks.redis.keyPrefix") + ":rb",
                            options.mode());
                    return null;
                });
            }
            new Scenarios(target, report, options).runAll();
        }
    }

    interface Attempt<T> {
        T run() throws Exception;
    }

    static <T> T attempt(Report report, String broker, String scenario, Attempt<T> a) {
        try {
            return a.run();
        } catch (Exception | AssertionError e) {
            report.fail(broker, scenario, e);
            return null;
        }
    }
}
