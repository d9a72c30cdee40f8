package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerState;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.awaitility.core.ConditionFactory;

/**
 * Rows written straight into the SQL broker's message table (as a buggy tool or a hand-written
 * {@code INSERT} would) with random malformed payloads, on PostgreSQL: each ends dead-lettered with a
 * reason and its payload kept, nothing runs, and the worker keeps running.
 */
class MalformedSqlRowPropertyTest {
    private static final Duration SETTLE = Duration.ofSeconds(20);

    static String schema;
    static JdbcBroker broker;
    static Worker worker;
    static String queue;

    @BeforeContainer
    static void start() {
        schema = TestPostgres.freshSchema();
        queue = "sqlbad-" + UUID.randomUUID().toString().substring(0, 8);
        broker = JdbcBroker.builder().url(TestPostgres.url()).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema))
                .maxPollInterval(Duration.ofMillis(20)).poolSize(4).build();
        worker = Worker.builder().broker(broker)
                .registry(TaskRegistry.builder().register(RelTasks.class, new RelTasksImpl(() -> {
                    throw new IllegalStateException("no run log: nothing should run");
                })).build())
                .queues(queue).concurrency(2).unknownTaskGrace(Duration.ZERO).fetchWait(Duration.ofMillis(200))
                .build();
        worker.start();
    }

    @AfterContainer
    static void stop() {
        try {
            if (worker != null) {
                worker.stop(Duration.ofSeconds(2));
            }
            if (broker != null) {
                broker.close();
            }
        } finally {
            TestPostgres.dropSchema(schema);
        }
    }

    @Provide
    Arbitrary<String> payloads() {
        // PostgreSQL text holds neither NUL nor unpaired surrogates; everything else goes in as written.
        return MaliciousInputPropertyTest.malformedPayloads()
                .filter(p -> p.indexOf('\u0000') < 0 && StandardCharsets.UTF_8.newEncoder().canEncode(p));
    }

    @Property(tries = 100)
    void a_malformed_row_in_the_message_table_is_dead_lettered_with_a_reason(@ForAll("payloads") String payload,
            @ForAll @IntRange(min = 0, max = 9) int priority) throws Exception {
        long deadBefore = broker.stats(queue).dead();
        long ranBefore = RelTasksImpl.completed();
        long now = System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection(TestPostgres.url());
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".tasks_messages"
                        + " (queue, message_id, priority, ready, run_at, visible_at, created_at, payload)"
                        + " VALUES (?, ?, ?, true, ?, ?, ?, ?)")) {
            ps.setString(1, queue);
            ps.setString(2, UUID.randomUUID().toString());
            ps.setShort(3, (short) priority);
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.setLong(6, now);
            ps.setString(7, payload);
            ps.executeUpdate();
        }
        settle().until(() -> broker.stats(queue).dead() == deadBefore + 1);
        settle().untilAsserted(() -> {
            QueueStats s = broker.stats(queue);
            assertThat(s.ready() + s.delayed() + s.inFlight()).as("%s", s).isZero();
        });
        List<DeadLetter> all = broker.deadLetters(queue, 100_000);
        DeadLetter d = all.get(all.size() - 1);
        assertThat(d.reason()).isNotBlank();
        assertThat(d.payload()).as("the payload is kept as it was").isEqualTo(payload);
        assertThat(RelTasksImpl.completed()).isEqualTo(ranBefore);
        assertThat(worker.state()).isEqualTo(WorkerState.RUNNING);
    }

    private static ConditionFactory settle() {
        return await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
}
