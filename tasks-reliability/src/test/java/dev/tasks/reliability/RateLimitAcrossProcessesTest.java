package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits hold in every second, across processes, on every broker: two worker JVMs ({@code -c 8}) run
 * a task limited to 50 runs a second and one limited to 10 a second per customer (two customers), from
 * one queue with all the work queued up front. Midway one worker is paused with SIGSTOP while the other
 * goes on, then both are paused together and resumed. From the start times the tasks record themselves:
 * every task ran once; in no sliding 1-second window did more runs start than the limit plus
 * {@code max(1, 2 %)}, from the first second on and after the pauses (a paused worker's slots are not
 * used late, and no credit piles up while nothing runs); and the rate, leaving out the time both workers
 * were paused and the slots the paused worker held, stays near the limit (see {@link #MIN_RATE}). Both workers are up
 * and warm (a batch of unlimited tasks ran) before the limited tasks are queued.
 */
class RateLimitAcrossProcessesTest {
    private static final int LIMIT = 50;
    private static final int LIMITED_TASKS = 400;
    private static final int PER_CUSTOMER_LIMIT = 10;
    private static final int PER_CUSTOMER_TASKS = 60;
    private static final List<String> CUSTOMERS = List.of("a", "b");
    private static final String QUEUE = "ratewin";
    private static final Duration BOTH_PAUSED = Duration.ofMillis(1500);
    private static final int WARM_UP_TASKS = 200;
    /**
     * The most a worker paused while its runs wait for their slots takes out of the limit: the slots it
     * held, at most the 250 ms a run takes its slot ahead (the worker's RateLimiter.HORIZON).
     */
    private static final Duration STRANDED = Duration.ofMillis(250);
    /**
     * The least rate asserted, as a share of the limit. With CPU to spare the workers keep 97-99 % of it
     * (see docs/workflows.md); the machines running this suite are shared and at times starved (load
     * averages of 10-30 on 2 cores), and a run whose slot came while its thread waited for CPU gives the
     * slot up, so the assertion catches a collapse (the earlier design fell to 10-45 % on SQL brokers), not the last
     * percent.
     */
    private static final double MIN_RATE = 0.75;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void rate_limits_hold_in_every_second_across_two_workers_paused_and_resumed_on_redis() {
        try (RedisServer server = RedisServer.start(dir)) {
            String url = server.url();
            check("Redis", List.of("--broker", url), () -> RedisBroker.builder().url(url).build(),
                    RedisRunLog.url(server, "rate-window-runs"));
        }
    }

    @Test
    void rate_limits_hold_in_every_second_across_two_workers_paused_and_resumed_on_postgresql()
            throws IOException {
        String url = TestPostgres.url();
        String schema = TestPostgres.freshSchema();
        try {
            Path config = dir.resolve("pg-tasks.properties");
            Files.writeString(config, "tasks.broker.url=" + url + "\ntasks.jdbc.schema=" + schema + "\n");
            check("PostgreSQL", List.of("--config", config.toString()),
                    () -> JdbcBroker.builder().url(url).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).build(),
                    JdbcRunLog.url(url, schema + ".rate_window_runs"));
        } finally {
            TestPostgres.dropSchema(schema);
        }
    }

    @Test
    void rate_limits_hold_in_every_second_across_two_workers_paused_and_resumed_on_h2() {
        // This JVM opens the file first (the run log), so it serves the workers over loopback.
        String url = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        check("H2", List.of("--broker", url), () -> JdbcBroker.builder().url(url).build(),
                JdbcRunLog.url(url, "rate_window_runs"));
    }

    private void check(String brokerName, List<String> brokerArgs, Supplier<Broker> brokers, String runLogUrl) {
        List<WorkerProcess> workers = new ArrayList<>();
        try (RunLog log = RunLog.open(runLogUrl);
                Broker broker = brokers.get();
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            for (int i = 0; i < 2; i++) {
                List<String> args = new ArrayList<>(List.of("-c", "8"));
                args.addAll(brokerArgs);
                workers.add(WorkerProcess.builder(dir.resolve("worker-" + i + ".log"))
                        .systemProperty("rel.runlog", runLogUrl)
                        .worker(QUEUE, args.toArray(String[]::new))
                        .start());
            }
            WorkerProcess first = workers.get(0);
            // Both workers up and warm (classes loaded, connections open) before the limited work is queued.
            List<Signature> warmUp = new ArrayList<>();
            for (int i = 0; i < WARM_UP_TASKS; i++) {
                warmUp.add(Signature.of("rel.record", "warm-" + i, 0L).queue(QUEUE));
            }
            tasks.sendAll(warmUp);
            await().atMost(TIMEOUT).until(() -> log.distinct() >= WARM_UP_TASKS && workers.stream()
                    .allMatch(w -> w.log().contains("worker started")));
            int total = WARM_UP_TASKS + send(tasks);

            // One worker paused while the other goes on.
            await().atMost(TIMEOUT).until(() -> log.distinct() >= WARM_UP_TASKS + 120);
            signal("STOP", first);
            long ranBefore = log.distinct();
            await().atMost(TIMEOUT).until(() -> log.distinct() >= ranBefore + 80);
            signal("CONT", first);

            // Both paused: nothing starts, and nothing bursts after.
            await().atMost(TIMEOUT).until(() -> log.distinct() >= WARM_UP_TASKS + 300);
            workers.forEach(w -> signal("STOP", w));
            long pausedFrom = System.currentTimeMillis();
            long ranWhenPaused = log.distinct();
            // Runs whose record was on its way when the signal came may still land (one per thread at most).
            await().pollDelay(BOTH_PAUSED).atMost(BOTH_PAUSED.multipliedBy(4))
                    .until(() -> log.distinct() <= ranWhenPaused + 16);
            long pausedUntil = System.currentTimeMillis();
            workers.forEach(w -> signal("CONT", w));

            await().atMost(TIMEOUT).until(() -> log.distinct() >= total);
            Map<String, Long> runs = log.runs();
            assertThat(runs).as("every task ran once").hasSize(total);
            assertThat(runs.values()).as("runs per task").allMatch(n -> n == 1);

            Map<String, List<Long>> starts = new HashMap<>();
            Map<String, List<String>> pids = new HashMap<>();
            for (String run : runs.keySet()) {
                if (run.startsWith("warm-")) {
                    continue;
                }
                String[] parts = run.split("\\|");
                String group = parts[0].substring(0, parts[0].indexOf('-'));
                starts.computeIfAbsent(group, g -> new ArrayList<>()).add(Long.parseLong(parts[2]));
                pids.computeIfAbsent(group, g -> new ArrayList<>()).add(parts[1]);
            }
            assertThat(pids.get("r")).as("both workers ran tasks").containsAll(
                    workers.stream().map(w -> Long.toString(w.pid())).toList());
            verify(brokerName, "50/s", starts.get("r"), LIMIT, pausedFrom, pausedUntil);
            for (String c : CUSTOMERS) {
                verify(brokerName, "10/s for customer " + c, starts.get(c), PER_CUSTOMER_LIMIT, pausedFrom,
                        pausedUntil);
            }
        } finally {
            for (WorkerProcess w : workers) {
                signal("CONT", w);
                w.close();
            }
        }
    }

    /** Queues the limited tasks with the per-customer ones mixed in; returns how many. */
    private static int send(Tasks tasks) {
        List<Signature> batch = new ArrayList<>();
        int perCustomer = 0;
        for (int i = 0; i < LIMITED_TASKS; i++) {
            batch.add(Signature.of("rel.limited50", "r-" + i).queue(QUEUE));
            if (i % 6 == 0 && perCustomer < PER_CUSTOMER_TASKS) {
                for (String c : CUSTOMERS) {
                    batch.add(Signature.of("rel.limitedPerCustomer", c, c + "-" + perCustomer).queue(QUEUE));
                }
                perCustomer++;
            }
        }
        assertThat(perCustomer).isEqualTo(PER_CUSTOMER_TASKS);
        tasks.sendAll(batch);
        return batch.size();
    }

    private static void verify(String brokerName, String limit, List<Long> starts, int perSecond, long pausedFrom,
            long pausedUntil) {
        List<Long> sorted = starts.stream().sorted().toList();
        int worst = 0;
        long worstAt = 0;
        for (int i = 0, j = 0; i < sorted.size(); i++) {
            while (j < sorted.size() && sorted.get(j) < sorted.get(i) + 1000) {
                j++;
            }
            if (j - i > worst) {
                worst = j - i;
                worstAt = sorted.get(i) - sorted.get(0);
            }
        }
        long first = sorted.get(0);
        long last = sorted.get(sorted.size() - 1);
        long paused = Math.max(0, Math.min(last, pausedUntil) - Math.max(first, pausedFrom));
        double rate = (sorted.size() - 1) * 1000.0 / (last - first - paused - STRANDED.toMillis());
        System.out.printf("%s, %s: %d runs, worst sliding 1-s window %d (at +%d ms), %.1f/s leaving out %d ms"
                + " both workers were paused and %d ms of slots the paused one held%n", brokerName, limit,
                sorted.size(), worst, worstAt, rate, paused, STRANDED.toMillis());
        int[] perSecondCounts = new int[(int) ((last - first) / 1000) + 1];
        sorted.forEach(t -> perSecondCounts[(int) ((t - first) / 1000)]++);
        System.out.printf("  runs in each second from the first: %s; paused +%d..+%d ms%n",
                java.util.Arrays.toString(perSecondCounts), pausedFrom - first, pausedUntil - first);
        int allowed = perSecond + Math.max(1, perSecond * 2 / 100);
        assertThat(worst).as("%s, %s: most runs started in any 1-s window (at +%d ms)", brokerName, limit, worstAt)
                .isLessThanOrEqualTo(allowed);
        assertThat(rate).as("%s, %s: runs a second while work was queued", brokerName, limit)
                .isGreaterThanOrEqualTo(perSecond * MIN_RATE);
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) to a worker process with {@code kill}. */
    private static void signal(String name, WorkerProcess w) {
        if (!w.isAlive()) {
            return;
        }
        try {
            Process p = new ProcessBuilder(Env.executable("kill").toString(), "-" + name, Long.toString(w.pid()))
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor()).as("kill -%s %s", name, w.pid()).isZero();
        } catch (IOException e) {
            throw new IllegalStateException("cannot send SIG" + name + " to worker " + w.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + name + " to worker " + w.pid(), e);
        }
    }
}
