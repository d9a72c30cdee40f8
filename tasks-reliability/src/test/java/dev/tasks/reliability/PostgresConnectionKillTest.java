package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL ends the broker's connections ({@code pg_terminate_backend}) three times mid-run: the worker
 * and the producer carry on without a restart, enqueues that fail say so with a {@link BrokerException},
 * and every accepted task runs. Only this test's connections are ended: they carry their own
 * {@code ApplicationName}.
 */
class PostgresConnectionKillTest {
    private static final Logger log = LoggerFactory.getLogger(PostgresConnectionKillTest.class);
    static String schema;

    @BeforeAll
    static void createSchema() {
        schema = TestPostgres.freshSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestPostgres.dropSchema(schema);
    }

    @Test
    void worker_and_producer_survive_their_connections_being_terminated_and_no_accepted_task_is_lost()
            throws Exception {
        String app = "rel-" + UUID.randomUUID().toString().substring(0, 8);
        String brokerUrl = TestPostgres.url() + (TestPostgres.url().contains("?") ? "&" : "?") + "ApplicationName=" + app;
        String queue = "pgkill-" + UUID.randomUUID().toString().substring(0, 8);
        int concurrency = 4;
        int prefetch = 4;
        int kills = 3;
        try (RunLog runs = RunLog.open(JdbcRunLog.url(TestPostgres.url(), schema + ".runs"));
                JdbcBroker workerBroker = JdbcBroker.builder().url(brokerUrl)
                        .options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).poolSize(6).build();
                JdbcBroker producerBroker = JdbcBroker.builder().url(brokerUrl)
                        .options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).poolSize(2).build();
                Tasks tasks = Tasks.builder().broker(producerBroker).declare(RelTasks.class).build()) {
            Worker worker = Worker.builder().broker(workerBroker)
                    .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> runs)).build())
                    .queues(queue).concurrency(concurrency).prefetch(prefetch).lease(Duration.ofSeconds(2))
                    .heartbeatInterval(Duration.ofMillis(500)).fetchWait(Duration.ofMillis(200)).build();
            worker.start();
            try {
                Producer producer = new Producer(tasks, queue, "p", 2);
                int terminated = 0;
                for (int k = 0; k < kills; k++) {
                    int target = (k + 1) * 200;
                    await().atMost(Duration.ofSeconds(30)).until(() -> runs.distinct() >= target);
                    terminated += terminate(app);
                }
                int acceptedAtLastKill = producer.accepted().size();
                await().atMost(Duration.ofSeconds(30)).until(() -> producer.accepted().size() >= acceptedAtLastKill + 200);
                producer.close();
                Set<String> accepted = new HashSet<>(producer.accepted());
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(runs.runs().keySet()).containsAll(accepted));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    QueueStats s = workerBroker.stats(queue);
                    assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
                });
                Map<String, Long> end = runs.runs();
                long duplicates = end.values().stream().mapToLong(c -> c - 1).sum();
                log.info("pg_terminate_backend x{}: {} backend(s) ended; {} enqueues accepted, {} failed; {} ran, {}"
                        + " duplicate run(s)", kills, terminated, accepted.size(), producer.failures().size(), end.size(),
                        duplicates);
                assertThat(terminated).as("backends of this test were ended").isGreaterThanOrEqualTo(kills);
                for (RuntimeException e : producer.failures()) {
                    assertThat(e).isInstanceOf(BrokerException.class);
                }
                assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
                assertThat(duplicates).isLessThanOrEqualTo((long) kills * (concurrency + prefetch));
                assertThat(workerBroker.deadLetters(queue, 10)).isEmpty();
            } finally {
                worker.stop(Duration.ofSeconds(5));
            }
        }
    }

    /** Ends every backend of this test's application name; returns how many. */
    private static int terminate(String app) throws Exception {
        try (Connection c = DriverManager.getConnection(TestPostgres.url());
                PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, app);
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n += rs.getBoolean(1) ? 1 : 0;
                }
            }
            return n;
        }
    }
}
