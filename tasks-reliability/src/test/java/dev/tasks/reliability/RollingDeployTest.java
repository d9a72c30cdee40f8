package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.jdbc.JdbcMigrations;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two versions live during a rollout, in separate JVMs. The older version is this code with its knowledge
 * cut to fewer schema versions ({@code tasks.internal.jdbc.knownSchemaVersions}) or announcing another
 * storage layout ({@code tasks.internal.worker.layout}); everything else is the real start-up path.
 *
 * <ul>
 *   <li>SQL (PostgreSQL, H2): an older worker that restarts after an expanding migration runs beside the new
 *       one, every task runs once; after a contracting migration (the newer release's row in the version
 *       table) the code it excludes is refused with exit code 2 and the versions named; a worker of an
 *       incompatible layout is refused while the other lives.</li>
 *   <li>Redis: a worker of the current key layout does not start beside a live worker of the layout before
 *       the lease change (which would run tasks twice); once that worker stopped, it starts.</li>
 * </ul>
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RollingDeployTest {
    private static final Logger log = LoggerFactory.getLogger(RollingDeployTest.class);
    /** The child JVMs only start and run a few tasks: the client compiler starts them sooner. */
    private static final String QUICK_START = "-XX:TieredStopAtLevel=1";
    private static final String KNOWN_SCHEMA_VERSIONS = "tasks.internal.jdbc.knownSchemaVersions";
    private static final String LAYOUT = "tasks.internal.worker.layout";

    @TempDir
    static Path shared;
    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start(shared);
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void sql_old_worker_restarts_after_expansion_is_refused_after_contraction_and_layouts_are_guarded_on_postgresql(
            @TempDir Path dir) throws Exception {
        String schema = TestPostgres.freshSchema();
        try {
            Path config = dir.resolve("pg-tasks.properties");
            Files.writeString(config, "tasks.broker.url=" + TestPostgres.url() + "\ntasks.jdbc.schema=" + schema + "\n");
            sqlRollout(dir, List.of("--config", config.toString()), TestPostgres.url(), schema,
                    () -> JdbcBroker.builder().url(TestPostgres.url()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                            .build(), JdbcRunLog.url(TestPostgres.url(), schema + ".runs"), true);
        } finally {
            TestPostgres.dropSchema(schema);
        }
    }

    @Test
    void sql_old_worker_restarts_after_expansion_and_runs_beside_the_new_one_on_h2(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        sqlRollout(dir, List.of("--broker", url), url, null, () -> JdbcBroker.builder().url(url).build(),
                JdbcRunLog.url(url, "runs"), false);
    }

    /**
     * The rollout on one SQL database; {@code guards}: also the layout guard and the contraction (in-JVM
     * tests cover them on both databases; separate JVMs cost seconds each).
     */
    private void sqlRollout(Path dir, List<String> brokerArgs, String jdbcUrl, String schema,
            java.util.function.Supplier<Broker> open, String runLog, boolean guards) throws Exception {
        String versionTable = (schema == null ? "" : schema + ".") + "tasks_schema_version";
        // The database as the older release (schema version 2) left it.
        String previous = System.setProperty(KNOWN_SCHEMA_VERSIONS, "2");
        try (Broker b = open.get()) {
            assertThat(b.layouts()).as("the older release announces nothing").isEmpty();
        } finally {
            restore(KNOWN_SCHEMA_VERSIONS, previous);
        }
        String queue = "roll-" + UUID.randomUUID().toString().substring(0, 8);
        int n = 200;
        try (Broker broker = open.get(); RunLog runs = RunLog.open(runLog);
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build()) {
            // Opening it as this release applied the expanding version 3.
            assertThat(currentVersion(jdbcUrl, versionTable)).isEqualTo(JdbcMigrations.LATEST_VERSION);
            send(tasks, queue, n);
            try (WorkerProcess fresh = worker(dir, "new", queue, brokerArgs, runLog);
                    WorkerProcess old = worker(dir, "old", queue, brokerArgs, runLog,
                            KNOWN_SCHEMA_VERSIONS, "2")) {
                awaitStarted(fresh);
                awaitStarted(old);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> runs.distinct() == n || !fresh.isAlive() || !old.isAlive());
                assertThat(runs.runs()).as("every task ran once; old worker's log:%n%s", old.log())
                        .hasSize(n).allSatisfy((k, c) -> assertThat(c).isEqualTo(1L));
                assertThat(old.log()).contains("newer than this code's 2");
                if (!guards) {
                    stop(fresh, old);
                    return;
                }

                // A worker of a layout that runs beside nothing older than itself does not start beside "new".
                WorkerProcess.Result refused = refusedWorker(dir, "newer-layout", queue, brokerArgs, LAYOUT,
                        JdbcMigrations.LATEST_VERSION + 1 + ":" + (JdbcMigrations.LATEST_VERSION + 1));
                log.info("incompatible layout beside a live worker: exit {}, {}", refused.exitCode(), lastLine(refused));
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
                assertThat(refused.output()).contains("uses storage layout version " + (JdbcMigrations.LATEST_VERSION + 1))
                        .contains("new (version " + JdbcMigrations.LATEST_VERSION);

                stop(fresh, old);
            }
        }
        // A newer release applied a contracting version that admits only its own code: this code is refused.
        int contracted = JdbcMigrations.LATEST_VERSION + 1;
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + versionTable + " (version, description, installed_at, compatible_from) VALUES ("
                    + contracted + ", 'V" + contracted + "__contract.sql', 0, " + contracted + ")");
        }
        WorkerProcess.Result refused = refusedWorker(dir, "after-contract", queue, brokerArgs);
        log.info("current code after a contracting migration: exit {}, {}", refused.exitCode(), lastLine(refused));
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
        assertThat(refused.output()).contains("is at version " + contracted + ", which runs only code of version "
                + contracted + " or later").contains("knows versions up to " + JdbcMigrations.LATEST_VERSION);
    }

    @Test
    void redis_worker_of_the_current_layout_waits_for_workers_of_the_layout_before_the_lease_change(@TempDir Path dir)
            throws Exception {
        String prefix = "roll" + UUID.randomUUID().toString().substring(0, 8);
        List<String> brokerArgs = List.of("--broker", redis.url());
        String queue = "roll";
        String runLog = RedisRunLog.url(redis, prefix + "-runs");
        try (WorkerProcess old = WorkerProcess.builder(dir.resolve("old.log")).jvm(QUICK_START).env("TASKS_REDIS_KEY_PREFIX", prefix)
                .systemProperty("rel.runlog", runLog).systemProperty(LAYOUT, "2:2")
                .worker(queue, args(brokerArgs, "old")).start()) {
            awaitStarted(old);
            WorkerProcess.Result refused = WorkerProcess.builder(dir.resolve("new-refused.log")).jvm(QUICK_START)
                    .env("TASKS_REDIS_KEY_PREFIX", prefix).systemProperty("rel.runlog", runLog)
                    .worker(queue, args(brokerArgs, "new")).run(60);
            log.info("current layout beside a worker of layout 2: exit {}, {}", refused.exitCode(), lastLine(refused));
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("uses storage layout version 3").contains("old (version 2)")
                    .contains("stop the older workers first");
            old.terminate();
            assertThat(old.waitFor(30)).as(old.log()).isZero();
        }
        try (RedisBroker broker = RedisBroker.builder().url(redis.url()).keyPrefix(prefix).build();
                RunLog runs = RunLog.open(runLog);
                Tasks tasks = Tasks.builder().broker(broker).declare(RelTasks.class).build();
                WorkerProcess fresh = WorkerProcess.builder(dir.resolve("new.log")).jvm(QUICK_START).env("TASKS_REDIS_KEY_PREFIX", prefix)
                        .systemProperty("rel.runlog", runLog).worker(queue, args(brokerArgs, "new")).start()) {
            awaitStarted(fresh);
            send(tasks, queue, 50);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> runs.distinct() == 50 || !fresh.isAlive());
            assertThat(runs.runs()).hasSize(50);
            fresh.terminate();
            assertThat(fresh.waitFor(30)).as(fresh.log()).isZero();
        }
    }

    private static void stop(WorkerProcess... workers) {
        for (WorkerProcess w : workers) {
            w.terminate();
        }
        for (WorkerProcess w : workers) {
            assertThat(w.waitFor(30)).as(w.log()).isZero();
        }
    }

    private static void send(Tasks tasks, String queue, int n) {
        List<Signature> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(Signature.of("rel.record", "k" + i, 0L).queue(queue));
        }
        tasks.sendAll(batch);
    }

    private static WorkerProcess worker(Path dir, String id, String queue, List<String> brokerArgs, String runLog,
            String... properties) {
        WorkerProcess.Builder b = WorkerProcess.builder(dir.resolve(id + ".log")).jvm(QUICK_START).systemProperty("rel.runlog", runLog);
        for (int i = 0; i < properties.length; i += 2) {
            b.systemProperty(properties[i], properties[i + 1]);
        }
        return b.worker(queue, args(brokerArgs, id)).start();
    }

    private static WorkerProcess.Result refusedWorker(Path dir, String id, String queue, List<String> brokerArgs,
            String... properties) {
        WorkerProcess.Builder b = WorkerProcess.builder(dir.resolve(id + ".log")).jvm(QUICK_START);
        for (int i = 0; i < properties.length; i += 2) {
            b.systemProperty(properties[i], properties[i + 1]);
        }
        return b.worker(queue, args(brokerArgs, id)).run(60);
    }

    private static String[] args(List<String> brokerArgs, String id) {
        List<String> a = new ArrayList<>(brokerArgs);
        a.addAll(List.of("-c", "4", "--grace", "10s", "--worker-id", id));
        return a.toArray(String[]::new);
    }

    private static void awaitStarted(WorkerProcess p) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> p.log().contains("worker started") || !p.isAlive());
        assertThat(p.isAlive()).as("worker runs; log:%n%s", p.log()).isTrue();
    }

    private static int currentVersion(String jdbcUrl, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT MAX(version) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String lastLine(WorkerProcess.Result r) {
        String[] lines = r.output().strip().split("\n");
        return lines[lines.length - 1];
    }

    private static void restore(String name, String previous) {
        if (previous == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, previous);
        }
    }
}
