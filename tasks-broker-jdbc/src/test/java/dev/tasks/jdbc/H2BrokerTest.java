package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker on an H2 file database in automatic mixed mode (the embedded default). */
class H2BrokerTest extends JdbcBrokerScenarios {
    static String url;

    @BeforeAll
    static void database() {
        url = TestDatabases.freshH2FileUrl();
    }

    @Override
    String url() {
        return url;
    }

    @Override
    Map<String, String> options() {
        return Map.of();
    }

    @Test
    void the_claim_reads_the_ready_index_in_order_and_stops_at_its_limit() throws Exception {
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            batch.add(msg(queue, "m" + i));
        }
        broker.publish(batch);
        String candidates = SqlStatements.of("h2", new TableNames(null, TableNames.DEFAULT_PREFIX)).get("candidates");
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement("EXPLAIN ANALYZE " + candidates)) {
            ps.setString(1, queue);
            ps.setInt(2, 16);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                String plan = rs.getString(1);
                // Not a sort of all 2000 ready rows: a fetch costs the same at any depth.
                assertThat(plan).contains("index sorted").containsPattern("scanCount: 1[67]\\b");
            }
        }
    }
}
