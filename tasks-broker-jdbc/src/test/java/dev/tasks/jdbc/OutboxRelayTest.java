package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The transactional outbox on PostgreSQL, relayed to another broker. */
class OutboxRelayTest extends OutboxScenarios {
    static String schema;
    static HikariDataSource app;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshPostgresSchema();
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(TestDatabases.postgresUrl());
        c.setMaximumPoolSize(4);
        app = new HikariDataSource(c);
        JdbcMigrations.builder(app).schema(schema).build().migrate();
    }

    @AfterAll
    static void cleanUp() {
        if (app != null) {
            app.close();
        }
        TestDatabases.dropPostgresSchema(schema);
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
