package dev.tasks.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference figures every result is compared with, measured in the same run on the same machine:
 * {@code redis-benchmark} for the commands the Redis broker is built on, a bare JVM for footprints.
 */
final class Limits {
    static final String REDIS_XADD = "redis_benchmark_xadd";
    static final String REDIS_XADD_P16 = "redis_benchmark_xadd_p16";
    static final String REDIS_XADD_C1 = "redis_benchmark_xadd_c1";
    static final String REDIS_XADD_C1_P50 = "redis_benchmark_xadd_c1_p50";
    static final String REDIS_XADD_C1_US = "redis_benchmark_xadd_c1_us_per_op";
    static final String REDIS_EVALSHA = "redis_benchmark_evalsha_noop";
    static final String JVM_IDLE_RSS = "jvm_idle_rss";
    static final String JVM_STARTUP = "jvm_startup";
    static final String ONE_COMMAND = "one_command";

    private Limits() {}

    /** Runs {@code redis-benchmark} against the server of {@code url}, writing to {@code key}. */
    static void redis(Report report, String url, String key, Options.Mode mode) throws IOException, InterruptedException {
        URI u = URI.create(url);
        String host = u.getHost() == null ? "127.0.0.1" : u.getHost();
        int port = u.getPort() < 0 ? 6379 : u.getPort();
        int n = mode.pick(2_000, 50_000, 200_000, 200_000);
        report.limit(ONE_COMMAND, 1, "commands/task", "one Redis command per task (a bare XADD)");
        String[] xadd = {"XADD", key, "*", "f", "v"};
        String[] base = {"redis-benchmark", "-h", host, "-p", Integer.toString(port), "--csv"};
        double[] r = bench(concat(base, new String[] {"-n", Integer.toString(n), "-c", "50"}, xadd));
        report.limit(REDIS_XADD, r[0], "ops/s", "redis-benchmark -n " + n + " -c 50 XADD key * f v");
        r = bench(concat(base, new String[] {"-n", Integer.toString(n), "-c", "50", "-P", "16"}, xadd));
        report.limit(REDIS_XADD_P16, r[0], "ops/s", "redis-benchmark -n " + n + " -c 50 -P 16 XADD key * f v");
        int n1 = Math.max(1_000, n / 10);
        r = bench(concat(base, new String[] {"-n", Integer.toString(n1), "-c", "1"}, xadd));
        report.limit(REDIS_XADD_C1, r[0], "ops/s", "redis-benchmark -n " + n1 + " -c 1 XADD key * f v");
        report.limit(REDIS_XADD_C1_US, 1e6 / r[0], "us/op", "1 / rate of redis-benchmark -n " + n1
                + " -c 1 XADD (one round trip, client and server time)");
        report.limit(REDIS_XADD_C1_P50, r[1], "ms", "p50 latency of redis-benchmark -n " + n1 + " -c 1 XADD (one round trip)");
        r = bench(concat(base, new String[] {"-n", Integer.toString(n), "-c", "50"},
                new String[] {"EVAL", "return 1", "0"}));
        report.limit(REDIS_EVALSHA, r[0], "ops/s", "redis-benchmark -n " + n + " -c 50 EVAL 'return 1' 0 (a script call)");
    }

    /** Runs one {@code redis-benchmark --csv}; returns {rps, p50 ms}. */
    private static double[] bench(String[] command) throws IOException, InterruptedException {
        String out = Procs.run(List.of(command), 600);
        String last = null;
        for (String line : out.split("\r?\n")) {
            if (line.startsWith("\"") && !line.startsWith("\"test\"")) {
                last = line;
            }
        }
        if (last == null) {
            throw new IOException("redis-benchmark printed no result: " + out.strip());
        }
        String[] cols = last.split("\",\"");
        return new double[] {Double.parseDouble(cols[1].replace("\"", "")), Double.parseDouble(cols[4].replace("\"", ""))};
    }

    /** Starts a bare JVM from the same class path: its time to main and its idle resident memory. */
    static void jvm(Report report) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(Procs.java(), "-cp", Procs.classPath(), IdleJvm.class.getName())
                .redirectErrorStream(true).start();
        try {
            String line = Procs.readLine(p.getInputStream(), 30_000);
            if (!IdleJvm.READY.equals(line)) {
                throw new IOException("bare JVM did not start: " + line);
            }
            double startup = (System.nanoTime() - t0) / 1e6;
            report.limit(JVM_STARTUP, startup, "ms", "java -cp <jar> (empty main) until main runs");
            TimeUnit.SECONDS.sleep(2);
            report.limit(JVM_IDLE_RSS, Procs.rssMiB(p.pid()), "MiB", "resident memory of that idle JVM after 2 s");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(String[]::new);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
