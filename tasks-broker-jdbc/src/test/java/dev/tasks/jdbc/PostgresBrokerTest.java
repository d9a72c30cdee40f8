package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker on PostgreSQL, in a fresh schema. */
class PostgresBrokerTest extends JdbcBrokerScenarios {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshPostgresSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestDatabases.dropPostgresSchema(schema);
    }

    @Override
    String url() {
        return TestDatabases.postgresUrl();
    }

    @Override
    Map<String, String> options() {
        return Map.of(JdbcBroker.OPTION_SCHEMA, schema);
    }

    /**
     * Statements that lock many message rows (lease extension, ack, release; claims skip locked rows) lock
     * them in id order, so that they wait for each other instead of deadlocking.
     */
    @Test
    void heartbeats_acks_releases_and_claims_over_overlapping_rows_never_deadlock() throws Exception {
        PostgresLockContention.run(schema);
    }

    @Test
    void notification_wakes_a_fetch_blocked_in_another_broker_within_milliseconds() throws Exception {
        // Polling is slowed to 20 s, so only the notification can explain a prompt return.
        try (JdbcBroker consumer = JdbcBroker.builder().url(url()).clock(clock).options(options())
                        .maxPollInterval(Duration.ofSeconds(20)).build();
                JdbcBroker producer = open(clock)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            AtomicReference<Thread> fetcher = new AtomicReference<>();
            try {
                Future<List<Delivery>> f = pool.submit(() -> {
                    fetcher.set(Thread.currentThread());
                    consumer.fetch(List.of(queue), 1, LEASE, Duration.ofMillis(100)); // lets the poll pause grow
                    return consumer.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(30));
                });
                awaitWaiting(fetcher);
                long start = System.nanoTime();
                producer.publish(msg(queue, "ping"));
                List<Delivery> got = f.get(10, TimeUnit.SECONDS);
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                assertThat(ids(got)).containsExactly("ping");
                assertThat(latency).isLessThan(Duration.ofMillis(1000));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void with_autovacuum_off_the_broker_vacuums_its_message_table_once_dead_rows_pile_up() throws Exception {
        try (JdbcBroker broker = open(clock)) {
            broker.housekeeping().assumeAutovacuum(true);
            assertThat(broker.housekeeping().vacuumIfNeeded()).as("autovacuum on: nothing to do").isEmpty();

            // Each task leaves two dead row versions: its claim and its ack.
            int n = (int) Housekeeping.VACUUM_MIN_DEAD / 2 + 2_000;
            List<OutboundMessage> batch = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(msg(queue, "m" + i));
            }
            broker.publish(batch);
            int acked = 0;
            while (acked < n) {
                List<Delivery> got = broker.fetch(List.of(queue), 1000, LEASE, Duration.ZERO);
                assertThat(got).as("fetch after %d acks", acked).isNotEmpty();
                broker.ack(got);
                acked += got.size();
            }
            String table = "\"" + schema + "\".tasks_messages";
            broker.housekeeping().assumeAutovacuum(false);
            // Statistics reach pg_stat_all_tables a moment after the transactions: wait for the vacuum, by this
            // call or by the housekeeping thread (every few seconds, with the same advisory lock).
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                broker.housekeeping().vacuumIfNeeded();
                assertThat(vacuumCount(table)).isPositive();
            });
        }
    }

    @Test
    void with_autovacuum_off_the_broker_analyzes_its_message_table_after_a_bulk_enqueue() throws Exception {
        try (JdbcBroker broker = open(clock)) {
            int n = (int) Housekeeping.VACUUM_MIN_DEAD + 5_000;
            for (int from = 0; from < n; from += 1000) {
                List<OutboundMessage> batch = new java.util.ArrayList<>();
                for (int i = from; i < Math.min(n, from + 1000); i++) {
                    batch.add(msg(queue, "a" + i));
                }
                broker.publish(batch);
            }
            String table = "\"" + schema + "\".tasks_messages";
            broker.housekeeping().assumeAutovacuum(false);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                broker.housekeeping().vacuumIfNeeded();
                assertThat(statistic("analyze_count", table) + statistic("vacuum_count", table)).isPositive();
            });
        }
    }

    @Test
    void pooled_connections_plan_each_statement_with_its_parameters() throws Exception {
        try (com.zaxxer.hikari.HikariDataSource pool = Pools.create(url(), null, null, 1, "plan-test");
                java.sql.Connection c = pool.getConnection();
                java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SHOW plan_cache_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("force_custom_plan");
        }
    }

    private static long vacuumCount(String table) throws java.sql.SQLException {
        return statistic("vacuum_count", table);
    }

    private static long statistic(String column, String table) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestDatabases.postgresUrl());
                java.sql.PreparedStatement ps = c.prepareStatement(
                        "SELECT " + column + " FROM pg_stat_all_tables WHERE relid = to_regclass(?)")) {
            ps.setString(1, table);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static void awaitWaiting(AtomicReference<Thread> t) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> t.get() != null);
        // Wait until it is in the long fetch (after the short first one).
        org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                .until(() -> t.get().getState() == Thread.State.TIMED_WAITING);
    }
}
