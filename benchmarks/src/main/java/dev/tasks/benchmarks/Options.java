package dev.tasks.benchmarks;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Command-line options of the harness. */
record Options(Mode mode, Set<String> only, String redisUrl, String jdbcUrl, String mariaDbUrl, boolean processes,
        Set<String> scenarios) {

    static final List<String> SCENARIOS = List.of("limits", "enqueue", "process", "latency", "storage", "scaling_depth",
            "scaling_queues", "fleet_idle", "workflows", "worker_processes");

    static final List<String> BROKERS = List.of("redis", "postgres", "mariadb", "h2");

    /** How long a run takes: counts and durations of every scenario. */
    enum Mode {
        SMOKE(1), QUICK(2), DEFAULT(3), FULL(4);

        final int level;

        Mode(int level) {
            this.level = level;
        }

        /** Picks the count for this mode: smoke, quick, default, full. */
        int pick(int smoke, int quick, int normal, int full) {
            return switch (this) {
                case SMOKE -> smoke;
                case QUICK -> quick;
                case DEFAULT -> normal;
                case FULL -> full;
            };
        }
    }

    static final String USAGE = String.join("\n",
            "usage: java -jar tasks-benchmarks.jar [--smoke|--quick|--full] [--only redis,postgres,mariadb,h2]",
            "           [--redis-url redis://127.0.0.1:6379] [--jdbc-url jdbc:postgresql://127.0.0.1:5432/test?user=postgres]",
            "           [--mariadb-url jdbc:mariadb://127.0.0.1:3306/test?user=root]",
            "           [--no-processes] [--scenarios enqueue,process,...]",
            "  --smoke         a few seconds, tiny counts; exits 1 if anything fails (no timings are checked)",
            "  --quick         smaller counts (about a third of the default run)",
            "  --full          adds the 1,000,000-queued scaling case and longer latency runs",
            "  --only LIST     brokers to measure (default: all whose server and module are available)",
            "  --no-processes  skip scenarios that start worker processes (separate JVMs)",
            "  --scenarios L   run only these (default all): " + String.join(",", SCENARIOS),
            "Environment: TASKS_BENCH_REDIS_URL, TASKS_BENCH_JDBC_URL, TASKS_BENCH_MARIADB_URL override the server URLs.");

    static Options parse(String... args) {
        Mode mode = Mode.DEFAULT;
        Set<String> only = new LinkedHashSet<>(BROKERS);
        String redis = env("TASKS_BENCH_REDIS_URL", "redis://127.0.0.1:6379");
        String jdbc = env("TASKS_BENCH_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        String mariaDb = env("TASKS_BENCH_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
        boolean processes = true;
        Set<String> scenarios = new LinkedHashSet<>(SCENARIOS);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--smoke" -> mode = Mode.SMOKE;
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--no-processes" -> processes = false;
                case "--only" -> {
                    only = new LinkedHashSet<>();
                    for (String b : value(args, ++i, a).split(",")) {
                        String name = b.strip().toLowerCase(Locale.ROOT);
                        if (!BROKERS.contains(name)) {
                            throw new IllegalArgumentException("--only: unknown broker '" + b + "'; use " + BROKERS);
                        }
                        only.add(name);
                    }
                }
                case "--scenarios" -> {
                    scenarios = new LinkedHashSet<>();
                    for (String sc : value(args, ++i, a).split(",")) {
                        String name = sc.strip().toLowerCase(Locale.ROOT);
                        if (!SCENARIOS.contains(name)) {
                            throw new IllegalArgumentException("--scenarios: unknown scenario '" + sc + "'; use "
                                    + SCENARIOS);
                        }
                        scenarios.add(name);
                    }
                }
                case "--redis-url" -> redis = value(args, ++i, a);
                case "--jdbc-url" -> jdbc = value(args, ++i, a);
                case "--mariadb-url" -> mariaDb = value(args, ++i, a);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        return new Options(mode, Set.copyOf(only), redis, jdbc, mariaDb, processes, Set.copyOf(scenarios));
    }

    boolean runs(String scenario) {
        return scenarios.contains(scenario);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
