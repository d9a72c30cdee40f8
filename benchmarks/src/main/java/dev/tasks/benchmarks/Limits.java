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
    static final String PG_CLAIM = "pgbench_claim_c8";
    static final String PG_CLAIM_C1_LATENCY = "pgbench_claim_c1_latency";
    static final String PG_CLAIM_C1_US = "pgbench_claim_c1_us_per_op";
    static final String JVM_IDLE_RSS = "jvm_idle_rss";
    static final String JVM_STARTUP = "jvm_startup";
    static final String ONE_COMMAND = "one_command";
    static final String ONE_TRANSACTION = "one_transaction";

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

    /**
     * Runs {@code pgbench} with the classic one-row claim ({@code DELETE ... WHERE id = (SELECT id ... FOR UPDATE
     * SKIP LOCKED LIMIT 1) RETURNING *}) over a private table of pre-filled rows: with 8 clients (throughput) and
     * with 1 (latency of one claim).
     */
    static void postgres(Report report, String jdbcUrl, Options.Mode mode) throws Exception {
        URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
        String host = u.getHost() == null ? "127.0.0.1" : u.getHost();
        int port = u.getPort() < 0 ? 5432 : u.getPort();
        String db = u.getPath() == null || u.getPath().length() < 2 ? "postgres" : u.getPath().substring(1);
        String user = "postgres";
        if (u.getQuery() != null) {
            for (String kv : u.getQuery().split("&")) {
                if (kv.startsWith("user=")) {
                    user = kv.substring(5);
                }
            }
        }
        String table = "bench_pgb_" + java.util.UUID.randomUUID().toString().substring(0, 8);
        int rows = mode.pick(2_000, 50_000, 200_000, 200_000);
        java.nio.file.Path script = java.nio.file.Files.createTempFile("claim", ".sql");
        java.nio.file.Files.writeString(script, "DELETE FROM " + table + " WHERE id = (SELECT id FROM " + table
                + " ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING *;\n");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl);
                java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)");
            try {
                String payload = "x".repeat(189);
                st.execute("INSERT INTO " + table + " (payload) SELECT '" + payload + "' FROM generate_series(1, " + rows
                        + ")");
                st.execute("VACUUM ANALYZE " + table);
                List<String> base = List.of("pgbench", "-n", "-h", host, "-p", Integer.toString(port), "-U", user,
                        "-f", script.toString());
                List<String> c8 = new ArrayList<>(base);
                c8.addAll(List.of("-c", "8", "-j", "2", "-t", Integer.toString(rows / 8), db));
                double[] r = pgbench(Procs.run(c8, 900));
                report.limit(PG_CLAIM, r[0], "claims/s", "pgbench -c 8 -t " + rows / 8 + ": DELETE ... WHERE id = (SELECT id"
                        + " ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING * over " + rows + " rows");
                int n1 = Math.max(1_000, rows / 20);
                st.execute("INSERT INTO " + table + " (payload) SELECT '" + payload + "' FROM generate_series(1, " + n1 + ")");
                List<String> c1 = new ArrayList<>(base);
                c1.addAll(List.of("-c", "1", "-t", Integer.toString(n1), db));
                r = pgbench(Procs.run(c1, 900));
                report.limit(ONE_TRANSACTION, 1, "transactions/task", "one transaction per task (the pgbench claim)");
                report.limit(PG_CLAIM_C1_LATENCY, r[1], "ms", "average latency of the same claim with pgbench -c 1 -t " + n1);
                report.limit(PG_CLAIM_C1_US, r[1] * 1000, "us/op", "the same, in microseconds (CPU per task compares with it)");
            } finally {
                st.execute("DROP TABLE IF EXISTS " + table);
                java.nio.file.Files.deleteIfExists(script);
            }
        }
    }

    /** {tps, average latency ms} from pgbench's report. */
    private static double[] pgbench(String out) throws IOException {
        java.util.regex.Matcher tps = java.util.regex.Pattern.compile("tps = ([0-9.]+)").matcher(out);
        java.util.regex.Matcher lat = java.util.regex.Pattern.compile("latency average = ([0-9.]+) ms").matcher(out);
        if (!tps.find() || !lat.find()) {
            throw new IOException("pgbench printed no result: " + out.strip());
        }
        return new double[] {Double.parseDouble(tps.group(1)), Double.parseDouble(lat.group(1))};
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
