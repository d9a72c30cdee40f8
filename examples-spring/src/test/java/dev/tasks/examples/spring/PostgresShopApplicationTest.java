package dev.tasks.examples.spring;

import org.junit.jupiter.api.BeforeAll;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The shop with its {@code postgres} profile: its tables and the JDBC broker on PostgreSQL
 * ({@code TASKS_TEST_JDBC_URL}, in a fresh schema).
 */
@ActiveProfiles("postgres")
class PostgresShopApplicationTest extends AbstractShopApplicationTest {
    private static String url;

    @BeforeAll
    static void server() {
        url = ShopServers.freshSchemaUrl(ShopServers.postgresUrl());
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> url);
    }

    @Override
    protected String brokerName() {
        return "JdbcBroker";
    }
}
