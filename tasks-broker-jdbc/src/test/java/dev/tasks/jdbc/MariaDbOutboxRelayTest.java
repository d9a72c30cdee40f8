package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transactional outbox on MariaDB (the application's pool at the server's default isolation, repeatable
 * read), relayed to another broker; a relay skips the rows another relay holds.
 */
class MariaDbOutboxRelayTest extends OutboxScenarios {
    static String schema;
    static HikariDataSource app;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshMariaDbSchema();
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(TestDatabases.mariaDbUrl());
        c.setMaximumPoolSize(4);
        app = new HikariDataSource(c);
        JdbcMigrations.builder(app).schema(schema).build().migrate();
    }

    @AfterAll
    static void cleanUp() {
        if (app != null) {
            app.close();
        }
        TestDatabases.dropMariaDbSchema(schema);
    }

    @Test
    void a_relay_skips_the_rows_another_relay_holds_instead_of_waiting_for_them() throws Exception {
        try (JdbcBroker target = JdbcBroker.builder().dataSource(app).schema(schema).tablePrefix("skip_").build()) {
            JdbcOutbox outbox = JdbcOutbox.builder(app).schema(schema).build();
            try (JdbcTransaction tx = new JdbcTransaction(app.getConnection())) {
                outbox.publishInTransaction(tx, List.of(new OutboundMessage("held", "skips", 0, null, "{}"),
                        new OutboundMessage("free", "skips", 0, null, "{}")));
                tx.commit();
            }
            OutboxRelay relay = outbox.relayTo(target).batchSize(10).build();
            try (Connection other = app.getConnection(); Statement st = other.createStatement()) {
                other.setAutoCommit(false);
                // Another relay's transaction holds the first row.
                try (ResultSet rs = st.executeQuery("SELECT id FROM " + schema + ".tasks_outbox ORDER BY id LIMIT 1 FOR UPDATE")) {
                    assertThat(rs.next()).isTrue();
                }
                long start = System.nanoTime();
                assertThat(relay.relayOnce()).isEqualTo(1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not waiting for the held row")
                        .isLessThan(Duration.ofSeconds(5));
                other.rollback();
            }
            assertThat(relay.relayOnce()).isEqualTo(1);
            assertThat(target.fetch(List.of("skips"), 10, Duration.ofSeconds(30), Duration.ZERO))
                    .extracting(Delivery::messageId).containsExactly("free", "held");
        }
    }

    @Override
    HikariDataSource app() {
        return app;
    }

    @Override
    String schema() {
        return schema;
    }
}
