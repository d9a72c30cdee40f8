package dev.tasks.jdbc;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

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
}
