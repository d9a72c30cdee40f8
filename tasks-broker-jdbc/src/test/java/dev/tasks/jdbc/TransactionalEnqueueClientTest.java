package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import dev.tasks.Tasks;
import dev.tasks.spi.Delivery;
import dev.tasks.tx.TransactionalDataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code delayOnCommit} through the client and {@link TransactionalDataSource}, with the JDBC broker on the
 * application's own database: the task row is written in the application's transaction.
 */
class TransactionalEnqueueClientTest {
    private static String schema;
    private static String mariaDbSchema;
    private static String h2Url;

    @TaskModule(value = "shop", queue = "shop-tx")
    public interface ShopTasks {
        @Task
        void confirm(long orderId);
    }

    @BeforeAll
    static void databases() {
        schema = TestDatabases.freshPostgresSchema();
        mariaDbSchema = TestDatabases.freshMariaDbSchema();
        h2Url = TestDatabases.freshH2FileUrl();
    }

    @AfterAll
    static void drop() {
        TestDatabases.dropPostgresSchema(schema);
        TestDatabases.dropMariaDbSchema(mariaDbSchema);
    }

    private static TransactionalDataSource appDataSource(String db) {
        if (db.equals("postgresql")) {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(TestDatabases.postgresUrl());
            pg.setCurrentSchema(schema);
            return new TransactionalDataSource(pg);
        }
        if (db.equals("mariadb")) {
            MariaDbDataSource maria = new MariaDbDataSource();
            try {
                maria.setUrl(TestDatabases.mariaDbUrl(mariaDbSchema));
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return new TransactionalDataSource(maria);
        }
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(h2Url);
        return new TransactionalDataSource(h2);
    }

    private static JdbcBroker broker(String db) {
        return switch (db) {
            case "postgresql" -> JdbcBroker.builder().url(TestDatabases.postgresUrl())
                    .options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).poolSize(2).build();
            case "mariadb" -> JdbcBroker.builder().url(TestDatabases.mariaDbUrl())
                    .options(Map.of(JdbcBroker.OPTION_SCHEMA, mariaDbSchema)).poolSize(2).build();
            default -> JdbcBroker.builder().url(h2Url).poolSize(2).build();
        };
    }

    private static List<Delivery> drain(JdbcBroker broker) {
        List<Delivery> all = broker.fetch(List.of("shop-tx"), 100, Duration.ofMinutes(1), Duration.ZERO);
        broker.ack(all);
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb", "h2"})
    void a_task_exists_if_and_only_if_the_transaction_commits(String db) throws Exception {
        TransactionalDataSource ds = appDataSource(db);
        try (JdbcBroker broker = broker(db);
                Tasks tasks = Tasks.builder().broker(broker).declare(ShopTasks.class).build()) {
            drain(broker);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("create table if not exists shop_tx_orders (id bigint primary key)");
            }
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                c.createStatement().execute("insert into shop_tx_orders values (1)");
                tasks.delayOnCommit(ShopTasks.class, t -> t.confirm(1L));
                assertThat(broker.stats("shop-tx").ready()).as("invisible before commit").isZero();
                c.commit();
            }
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                c.createStatement().execute("insert into shop_tx_orders values (2)");
                tasks.delayOnCommit(ShopTasks.class, t -> t.confirm(2L));
                c.rollback();
            }
            assertThat(drain(broker)).extracting(d -> d.payload().contains("\"args\":[1]")).containsExactly(true);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb", "h2"})
    void a_committed_task_survives_a_crash_right_after_commit(String db) throws Exception {
        TransactionalDataSource ds = appDataSource(db);
        JdbcBroker first = broker(db);
        drain(first);
        Tasks tasks = Tasks.builder().broker(first).declare(ShopTasks.class).build();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            tasks.delayOnCommit(ShopTasks.class, t -> t.confirm(3L));
            c.commit();
        }
        first.close();
        try (JdbcBroker second = broker(db)) {
            assertThat(drain(second)).hasSize(1);
        }
    }
}
