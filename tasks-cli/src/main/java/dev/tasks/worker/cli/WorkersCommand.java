package dev.tasks.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.spi.Broker;
import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * {@code tasks workers}: the workers recorded in the broker's {@link WorkerDirectory}, ordered by id, with those
 * that missed their heartbeats marked stale; {@code --json} prints one JSON array for scripts. Text written by
 * workers (ids, host names, versions) is printed with control characters escaped. A broker that keeps no worker
 * records is a runtime error (exit code 1) with one line saying so.
 */
@CommandLine.Command(name = "workers", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Lists the workers that use the broker, from the records they write on start and with every"
                + " heartbeat: id, host, pid, queues, concurrency, tasks running, version, start and last heartbeat.",
            "A stale worker missed its heartbeats: it died, hangs, or cannot reach the broker; its record is kept"
                + " for a day."})
final class WorkersCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = "--json", description = "Print a JSON array (times in ISO-8601 UTC) instead of a table.")
    boolean json;

    @CommandLine.Option(names = "--live", description = "Leave out stale workers.")
    boolean liveOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = brokerOptions.open(brokerOptions.config())) {
            Optional<WorkerDirectory> directory = broker.workers();
            if (directory.isEmpty()) {
                throw new IllegalStateException("broker " + broker.describe() + " keeps no records of its workers");
            }
            Instant now = Clock.systemUTC().instant();
            List<WorkerInfo> workers = new ArrayList<>();
            for (WorkerInfo w : directory.get().list()) {
                if (!liveOnly || !w.isStale(now)) {
                    workers.add(w);
                }
            }
            if (json) {
                out.println(json(workers, now));
            } else {
                table(out, workers, now);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    private static String json(List<WorkerInfo> workers, Instant now) {
        ArrayNode array = JSON.createArrayNode();
        for (WorkerInfo w : workers) {
            ObjectNode n = array.addObject();
            n.put("id", w.workerId()).put("host", w.host()).put("pid", w.pid());
            w.queues().forEach(n.putArray("queues")::add);
            n.put("concurrency", w.concurrency()).put("running", w.running()).put("version", w.version())
                    .put("started", w.startedAt().toString()).put("heartbeat", w.heartbeatAt().toString())
                    .put("staleAt", w.staleAt().toString()).put("stale", w.isStale(now));
        }
        return array.toString();
    }

    private static void table(PrintWriter out, List<WorkerInfo> workers, Instant now) {
        long stale = workers.stream().filter(w -> w.isStale(now)).count();
        if (workers.isEmpty()) {
            out.println("no workers recorded");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"WORKER", "HOST", "PID", "QUEUES", "CONCURRENCY", "RUNNING", "VERSION", "STARTED",
            "LAST HEARTBEAT", "STATUS"});
        for (WorkerInfo w : workers) {
            rows.add(new String[] {LogSafe.escape(w.workerId()), LogSafe.escape(w.host()), Long.toString(w.pid()),
                LogSafe.escape(String.join(",", w.queues())), Integer.toString(w.concurrency()),
                Integer.toString(w.running()), LogSafe.escape(w.version()),
                w.startedAt().truncatedTo(ChronoUnit.SECONDS).toString(),
                age(Duration.between(w.heartbeatAt(), now)) + " ago", w.isStale(now) ? "STALE" : "live"});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean number = i == 2 || i == 4 || i == 5;
                String cell = number && row != rows.get(0)
                        ? " ".repeat(width[i] - row[i].length()) + row[i]
                        : row[i] + " ".repeat(width[i] - row[i].length());
                line.append(cell).append(i < row.length - 1 ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        out.println(workers.size() - stale + " live, " + stale + " stale");
    }

    /** A short age: {@code 4s}, {@code 3m12s}, {@code 2h5m}, {@code 1d3h}. */
    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + s % 60 + "s";
        }
        if (s < 86_400) {
            return s / 3600 + "h" + s % 3600 / 60 + "m";
        }
        return s / 86_400 + "d" + s % 86_400 / 3600 + "h";
    }
}
