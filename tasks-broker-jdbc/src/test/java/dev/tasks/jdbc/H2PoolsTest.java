package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The settings the broker puts on its H2 pools: durable commits and the eviction of lost connections. */
class H2PoolsTest {

    @Test
    void an_embedded_url_gets_write_delay_zero_unless_it_sets_its_own() {
        assertThat(H2Pools.withDurableCommits("jdbc:h2:file:./.tasks/tasks;AUTO_SERVER=TRUE"))
                .isEqualTo("jdbc:h2:file:./.tasks/tasks;AUTO_SERVER=TRUE;WRITE_DELAY=0");
        assertThat(H2Pools.withDurableCommits("jdbc:h2:./db")).isEqualTo("jdbc:h2:./db;WRITE_DELAY=0");
        assertThat(H2Pools.withDurableCommits("jdbc:h2:file:./db;write_delay=200")).isEqualTo("jdbc:h2:file:./db;write_delay=200");
        assertThat(H2Pools.withDurableCommits("jdbc:h2:mem:x;DB_CLOSE_DELAY=-1")).isEqualTo("jdbc:h2:mem:x;DB_CLOSE_DELAY=-1");
        assertThat(H2Pools.withDurableCommits("jdbc:h2:tcp://db:9092/tasks")).isEqualTo("jdbc:h2:tcp://db:9092/tasks");
        assertThat(H2Pools.setting("jdbc:h2:file:./db;AUTO_SERVER=TRUE; Write_Delay = 7", "WRITE_DELAY")).isEqualTo("7");
        assertThat(H2Pools.setting("jdbc:h2:file:./write_delay=1", "WRITE_DELAY")).isNull();
    }

    @Test
    void the_database_a_broker_opens_writes_every_commit_and_keeps_the_setting() throws Exception {
        String url = TestDatabases.freshH2FileUrl();
        try (JdbcBroker broker = JdbcBroker.builder().url(url).poolSize(2).build()) {
            assertThat(broker.describe()).contains("jdbc:h2:file:");
        }
        // A later plain connection, as another tool or process would open it, finds the setting stored.
        try (HikariDataSource plain = new HikariDataSource()) {
            plain.setJdbcUrl(url);
            try (Connection c = plain.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'");
                    ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("0");
            }
        }
    }

    @Test
    void a_lost_connection_is_evicted_and_other_errors_are_left_to_hikari() {
        H2Pools.EvictLostConnections evict = new H2Pools.EvictLostConnections();
        assertThat(evict.adjudicate(new SQLException("Connection is broken", "90067", 90067)))
                .isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
        assertThat(evict.adjudicate(new SQLException("Database is already closed", "90121", 90121)))
                .isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
        assertThat(evict.adjudicate(new SQLException("Unique index violation", "23505", 23505)))
                .isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
    }
}
