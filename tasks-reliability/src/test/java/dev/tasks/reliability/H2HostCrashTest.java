package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default shared by several processes ({@code jdbc:h2:file:...;AUTO_SERVER=TRUE}), with the
 * database hosted by one of them, a worker or a producer, never by the test: a {@code kill -9} of the host
 * loses no committed enqueue or acknowledgement, and its normal exit leaves the other processes working,
 * with nothing stranded for a lease. Every process is a separate JVM; the run log lives in a second H2
 * database that this JVM hosts, so it outlives every kill.
 */
class H2HostCrashTest {
    private static final Logger log = LoggerFactory.getLogger(H2HostCrashTest.class);

    static final int CONCURRENCY = 8;
    static final int PREFETCH = 16;
    /**
     * The lease of the kill test's workers: above the pause while another process takes over the database
     * (measured 1.5 to 9 s on a busy machine) plus a heartbeat, as the docs ask, so the survivors keep theirs.
     */
    static final Duration LEASE = Duration.ofSeconds(20);
    /** What a worker holds at most: its places plus as many finished tasks whose ack is on its way. */
    static final int MAX_HELD = 2 * (CONCURRENCY + PREFETCH);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void a_kill_minus_9_of_the_worker_hosting_the_database_loses_no_committed_enqueue_or_ack() throws Exception {
        String url = brokerUrl();
        String queue = "h2kill";
        try (RunLog runs = RunLog.open(runLogUrl())) {
            Path stop = dir.resolve("stop");
            WorkerProcess host = worker("host", queue, LEASE);
            WorkerProcess producer = null;
            WorkerProcess second = null;
            WorkerProcess joining = null;
            try {
                awaitLog(host, "worker started");
                producer = producer(url, queue, 1_000_000, 10, 10, stop, 2_000);
                second = worker("second", queue, LEASE);
                WorkerProcess p = producer;
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
                        .until(() -> runs.distinct() >= 600 || !host.isAlive());
                assertThat(host.isAlive()).as("the host runs; log:%n%s", host.log()).isTrue();
                host.kill();
                long killedAt = System.nanoTime();
                int sentAtKill = sent(p).size();
                long ranAtKill = runs.distinct();
                log.info("killed the host worker after {} enqueues returned and {} tasks ran", sentAtKill, ranAtKill);
                long[] resumedAt = {0};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    int now = sent(p).size();
                    if (resumedAt[0] == 0 && now > sentAtKill) {
                        resumedAt[0] = System.nanoTime();
                    }
                    return now >= sentAtKill + 200 || !p.isAlive();
                });
                log.info("the producer's enqueues returned again {} ms after the kill",
                        TimeUnit.NANOSECONDS.toMillis(resumedAt[0] - killedAt));
                assertThat(producer.isAlive()).as("the producer carries on after the host died; log:%n%s", tail(producer))
                        .isTrue();
                joining = worker("joining", queue, LEASE);
                awaitLog(joining, "worker started");
                Files.createFile(stop);
                assertThat(producer.waitFor(60)).as("the producer exits normally; log:%n%s", tail(producer)).isZero();
                Set<String> sent = sent(producer);
                WorkerProcess w2 = second;
                WorkerProcess w3 = joining;
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                        assertThat(w2.isAlive()).as("second worker runs; log:%n%s", tail(w2)).isTrue();
                        assertThat(w3.isAlive()).as("joining worker runs; log:%n%s", tail(w3)).isTrue();
                        return runs.runs().keySet().containsAll(sent);
                    });
                } catch (ConditionTimeoutException e) {
                    log.warn("not every committed enqueue ran within 60 s; counting what did");
                }
                Map<String, Long> end = runs.runs();
                Map<String, Long> duplicated = duplicates(end);
                long extra = duplicated.values().stream().mapToLong(n -> n - 1).sum();
                log.info("host killed: {} enqueues returned ({} before the kill), {} tasks ran, {} lost, {} duplicate"
                        + " run(s) over {} task(s), the host held at most {}", sent.size(), sentAtKill, end.size(),
                        sent.stream().filter(k -> !end.containsKey(k)).count(), extra, duplicated.size(), MAX_HELD);
                assertThat(sent.stream().filter(k -> !end.containsKey(k)).count())
                        .as("committed enqueues that never ran (of %s)", sent.size()).isZero();
                assertThat(extra).as("duplicate runs %s; the second worker's warnings:%n%s", duplicated, w2.warnings())
                        .isLessThanOrEqualTo(MAX_HELD);
                assertThat(duplicated.values()).allMatch(n -> n == 2);
                second.terminate();
                joining.terminate();
                assertThat(second.waitFor(30)).as(tail(second)).isZero();
                assertThat(joining.waitFor(30)).as(tail(joining)).isZero();
            } finally {
                closeAll(host, producer, second, joining);
            }
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void workers_carry_on_at_once_when_the_producer_hosting_the_database_exits() throws Exception {
        String url = brokerUrl();
        String queue = "h2exit";
        int n = 1_000;
        Duration lease = Duration.ofSeconds(60);
        try (RunLog runs = RunLog.open(runLogUrl())) {
            Path stop = dir.resolve("stop");
            WorkerProcess producer = producer(url, queue, n, 500, 0, stop, 0);
            WorkerProcess first = null;
            WorkerProcess second = null;
            try {
                awaitLog(producer, "all sent");
                assertThat(sent(producer)).hasSize(n);
                first = worker("first", queue, lease);
                second = worker("second", queue, lease);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> runs.distinct() >= 200);
                Files.createFile(stop);
                assertThat(producer.waitFor(60)).as("the producer exits normally; log:%n%s", tail(producer)).isZero();
                long exitedAt = System.nanoTime();
                long ranAtExit = runs.distinct();
                WorkerProcess w1 = first;
                WorkerProcess w2 = second;
                long[] resumedAt = {0};
                try {
                    await().atMost(lease.dividedBy(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                        assertThat(w1.isAlive()).as("first worker runs; log:%n%s", tail(w1)).isTrue();
                        assertThat(w2.isAlive()).as("second worker runs; log:%n%s", tail(w2)).isTrue();
                        long ran = runs.distinct();
                        if (resumedAt[0] == 0 && ran > ranAtExit) {
                            resumedAt[0] = System.nanoTime();
                        }
                        return ran == n;
                    });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(String.format("%d of %d tasks ran %s after the host exited (%d at the exit);"
                            + " first worker:%n%s%nsecond worker:%n%s", runs.distinct(), n, lease.dividedBy(2), ranAtExit,
                            tail(w1), tail(w2)), e);
                }
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exitedAt);
                Map<String, Long> end = runs.runs();
                log.info("host exited after {} of {} tasks ran; tasks ran again {} ms after the exit, all within {} ms"
                        + " (lease {}), duplicates {}", ranAtExit, n, TimeUnit.NANOSECONDS.toMillis(resumedAt[0] - exitedAt),
                        took, lease, duplicates(end));
                assertThat(duplicates(end)).as("no task ran twice; warnings:%n%s%n%s", w1.warnings(), w2.warnings()).isEmpty();
                for (WorkerProcess w : List.of(first, second)) {
                    assertThat(w.log()).as("no lease was lost").doesNotContain("lease lost");
                    w.terminate();
                }
                for (WorkerProcess w : List.of(first, second)) {
                    assertThat(w.waitFor(30)).as(tail(w)).isZero();
                }
            } finally {
                closeAll(producer, first, second);
            }
        }
    }

    private String brokerUrl() {
        return "jdbc:h2:file:" + dir.resolve("broker").resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
    }

    /** The run log, in a database of its own that this JVM opens first and so hosts. */
    private String runLogUrl() {
        return JdbcRunLog.url("jdbc:h2:file:" + dir.resolve("runs").resolve("runs").toAbsolutePath() + ";AUTO_SERVER=TRUE",
                "runs");
    }

    private WorkerProcess worker(String name, String queue, Duration lease) {
        return WorkerProcess.builder(dir.resolve(name + ".log"))
                .systemProperty("rel.runlog", runLogUrl())
                .worker(queue, "--broker", brokerUrl(), "-c", Integer.toString(CONCURRENCY), "--prefetch",
                        Integer.toString(PREFETCH), "--lease", lease.toSeconds() + "s", "--grace", "5s", "--worker-id", name)
                .start();
    }

    private WorkerProcess producer(String url, String queue, int total, int batch, long pauseMillis, Path stop, int backlog) {
        return WorkerProcess.builder(dir.resolve("producer.log"))
                .mainClass(H2Producer.class.getName())
                .args(url, queue, Integer.toString(total), Integer.toString(batch), Long.toString(pauseMillis),
                        stop.toString(), Integer.toString(backlog))
                .start();
    }

    private static void awaitLog(WorkerProcess p, String text) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            assertThat(p.isAlive()).as("process runs; log:%n%s", tail(p)).isTrue();
            return p.log().contains(text);
        });
    }

    /** The keys whose send returned, from the producer's output. */
    private static Set<String> sent(WorkerProcess producer) {
        Set<String> keys = new LinkedHashSet<>();
        for (String line : producer.log().split("\n")) {
            if (line.startsWith("sent ")) {
                keys.add(line.substring(5).trim());
            }
        }
        return keys;
    }

    private static Map<String, Long> duplicates(Map<String, Long> runs) {
        Map<String, Long> out = new HashMap<>();
        runs.forEach((k, c) -> {
            if (c > 1) {
                out.put(k, c);
            }
        });
        return out;
    }

    /** The last 60 lines of a process's output. */
    private static String tail(WorkerProcess p) {
        String[] lines = p.log().split("\n");
        List<String> out = new ArrayList<>();
        for (int i = Math.max(0, lines.length - 60); i < lines.length; i++) {
            out.add(lines[i]);
        }
        return String.join("\n", out);
    }

    private static void closeAll(WorkerProcess... processes) {
        for (WorkerProcess p : processes) {
            if (p != null) {
                p.close();
            }
        }
    }
}
