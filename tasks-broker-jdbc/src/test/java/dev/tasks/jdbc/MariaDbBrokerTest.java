package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
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

/** The broker on MariaDB, in a fresh database. */
class MariaDbBrokerTest extends JdbcBrokerScenarios {
    static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshMariaDbSchema();
    }

    @AfterAll
    static void dropSchema() {
        TestDatabases.dropMariaDbSchema(schema);
    }

    @Override
    String url() {
        return TestDatabases.mariaDbUrl();
    }

    @Override
    Map<String, String> options() {
        return Map.of(JdbcBroker.OPTION_SCHEMA, schema);
    }

    @Test
    void mariadb_and_mysql_urls_and_servers_select_the_mariadb_dialect() throws Exception {
        assertThat(SqlDialects.fromUrl("jdbc:mariadb://db:3306/app").folder()).isEqualTo("mariadb");
        assertThat(SqlDialects.fromUrl("jdbc:mysql://db:3306/app").folder()).isEqualTo("mariadb");
        assertThat(new JdbcBrokerFactory().supports("jdbc:mysql://db:3306/app")).isTrue();
        assertThat(new JdbcBrokerFactory().supports("jdbc:mariadb://db:3306/app")).isTrue();
        try (Connection c = java.sql.DriverManager.getConnection(url())) {
            assertThat(SqlDialects.of(c).folder()).isEqualTo("mariadb");
        }
    }

    /**
     * The ready index serves the claim's order, so {@code FOR UPDATE SKIP LOCKED ... LIMIT} reads (and locks)
     * only the rows it takes instead of locking and sorting every ready row of the queue.
     */
    @Test
    void the_claim_reads_the_ready_index_in_order_without_sorting_the_queue() throws Exception {
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            batch.add(new OutboundMessage("m" + i, queue, i % 3, null, "{}"));
        }
        broker.publish(batch);
        String candidates = SqlStatements.of("mariadb", new TableNames(schema, TableNames.DEFAULT_PREFIX)).get("candidates");
        try (Connection c = java.sql.DriverManager.getConnection(url());
                PreparedStatement ps = c.prepareStatement("EXPLAIN " + candidates)) {
            ps.setString(1, queue);
            ps.setInt(2, 16);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("key")).isEqualTo("tasks_messages_ready");
                assertThat(String.valueOf(rs.getString("Extra"))).doesNotContain("filesort");
            }
        }
        assertThat(broker.fetch(List.of(queue), 3, LEASE, Duration.ZERO)).extracting(Delivery::messageId)
                .containsExactly("m2", "m5", "m8");
    }

    /**
     * Rows one claim holds are skipped by another, which takes the next ones at once, also on a caller's data
     * source at the server's default isolation (REPEATABLE READ, whose gap locks would make the second
     * claim wait for the first).
     */
    @Test
    void a_claim_skips_the_rows_another_claim_holds_also_on_a_repeatable_read_data_source() throws Exception {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setJdbcUrl(url());
        config.setMaximumPoolSize(3);
        try (HikariDataSource callers = new HikariDataSource(config);
                JdbcBroker onCallers = JdbcBroker.builder().dataSource(callers).clock(clock).options(options()).build();
                Connection c = callers.getConnection()) {
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
            onCallers.publish(List.of(msg(queue, "a"), msg(queue, "b"), msg(queue, "c")));
            MariaDbDialect other = new MariaDbDialect();
            other.opened(c, "another broker");
            SqlStatements sql = SqlStatements.of("mariadb", new TableNames(schema, TableNames.DEFAULT_PREFIX));
            long now = clock.millis();
            other.isolateClaim(c);
            c.setAutoCommit(false);
            assertThat(MariaDbDialect.claim(c, sql, List.of(queue), 2, 2, now, now + LEASE.toMillis(), 7L))
                    .extracting(ClaimedRow::messageId).containsExactlyInAnyOrder("a", "b");
            long start = System.nanoTime();
            assertThat(ids(onCallers.fetch(List.of(queue), 3, LEASE, Duration.ZERO))).containsExactly("c");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            c.rollback();
            c.setAutoCommit(true);
            assertThat(ids(onCallers.fetch(List.of(queue), 3, LEASE, Duration.ZERO))).containsExactly("a", "b");
        }
    }

    /** A settlement reads the rows it names by primary key, never the table (which would lock every row). */
    @Test
    void settling_one_receipt_reads_the_primary_key() throws Exception {
        broker.publish(List.of(msg(queue, "a"), msg(queue, "b")));
        SqlStatements sql = SqlStatements.of("mariadb", new TableNames(schema, TableNames.DEFAULT_PREFIX));
        try (Connection c = java.sql.DriverManager.getConnection(url())) {
            for (String name : List.of("ack_pairs", "release_pairs")) {
                try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + MariaDbDialect.withPairs(sql.get(name), 1))) {
                    ps.setLong(1, 1);
                    ps.setLong(2, 1);
                    ps.setLong(3, 7);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString("key")).as(name).isEqualTo("PRIMARY");
                        assertThat(rs.getString("type")).as(name).isEqualTo("range");
                    }
                }
            }
        }
    }

    /** No notifications: a fetch blocked in another broker learns of a publish at its next poll. */
    @Test
    void a_fetch_blocked_in_another_broker_finds_a_publish_by_polling() throws Exception {
        try (JdbcBroker consumer = JdbcBroker.builder().url(url()).clock(clock).options(options())
                        .maxPollInterval(Duration.ofMillis(200)).build();
                JdbcBroker producer = open(clock)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            AtomicReference<Thread> fetcher = new AtomicReference<>();
            try {
                Future<List<Delivery>> f = pool.submit(() -> {
                    fetcher.set(Thread.currentThread());
                    return consumer.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(30));
                });
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fetcher.get() != null
                        && fetcher.get().getState() == Thread.State.TIMED_WAITING);
                long start = System.nanoTime();
                producer.publish(msg(queue, "polled"));
                assertThat(ids(f.get(10, TimeUnit.SECONDS))).containsExactly("polled");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void pooled_connections_read_committed_rows_and_refuse_over_long_values() throws Exception {
        try (HikariDataSource pool = Pools.create(url(), null, null, 1, "mode-test");
                Connection c = pool.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT @@SESSION.sql_mode")) {
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains("STRICT_TRANS_TABLES");
        }
    }
}
