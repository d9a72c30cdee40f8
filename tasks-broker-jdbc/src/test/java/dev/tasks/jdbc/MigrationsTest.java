package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.ConfigurationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Schema migrations on PostgreSQL, MariaDB and H2. */
class MigrationsTest {
    private final TestPools fixtures = new TestPools();

    @AfterEach
    void cleanUp() {
        fixtures.close();
    }

    @Test
    void concurrent_migrations_on_postgresql_apply_each_version_once() throws Exception {
        String schema = fixtures.pgSchema();
        concurrentMigrations(fixtures.pool(TestDatabases.postgresUrl()), schema);
    }

    @Test
    void concurrent_migrations_on_mariadb_apply_each_version_once() throws Exception {
        String schema = fixtures.mariaDbSchema();
        concurrentMigrations(fixtures.pool(TestDatabases.mariaDbUrl()), schema);
    }

    @Test
    void concurrent_migrations_on_h2_apply_each_version_once() throws Exception {
        concurrentMigrations(fixtures.pool(TestDatabases.freshH2FileUrl()), null);
    }

    private void concurrentMigrations(HikariDataSource ds, String schema) throws Exception {
        int n = 6;
        ExecutorService exec = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<JdbcMigrations.Result>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Callable<JdbcMigrations.Result> task = () -> {
                    go.await();
                    return JdbcMigrations.builder(ds).schema(schema).build().migrate();
                };
                results.add(exec.submit(task));
            }
            go.countDown();
            int applied = 0;
            for (Future<JdbcMigrations.Result> f : results) {
                applied += f.get(60, TimeUnit.SECONDS).applied();
            }
            assertThat(applied).isEqualTo(JdbcMigrations.LATEST_VERSION);
        } finally {
            exec.shutdownNow();
        }
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + (schema == null ? "" : schema + ".")
                        + "tasks_schema_version")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(JdbcMigrations.LATEST_VERSION);
        }
        assertThat(JdbcMigrations.builder(ds).schema(schema).build().migrate().applied()).isZero();
    }

    @Test
    void refuses_a_schema_newer_than_the_code_knows() throws Exception {
        String schema = fixtures.pgSchema();
        HikariDataSource ds = fixtures.pool(TestDatabases.postgresUrl());
        JdbcMigrations migrations = JdbcMigrations.builder(ds).schema(schema).build();
        migrations.migrate();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + schema + ".tasks_schema_version (version, description, installed_at) VALUES (99, 'V99__future.sql', 0)");
        }
        assertThatThrownBy(migrations::migrate).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("version 99").hasMessageContaining("upgrade tasks-broker-jdbc");
        assertThatThrownBy(() -> JdbcBroker.builder().dataSource(ds).schema(schema).autoMigrate(false).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("version 99");
        assertThatThrownBy(() -> JdbcBroker.builder().dataSource(ds).schema(schema).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("version 99");
    }

    @Test
    void broker_without_auto_migration_refuses_a_missing_schema_and_says_how_to_create_it() {
        String schema = fixtures.pgSchema();
        HikariDataSource ds = fixtures.pool(TestDatabases.postgresUrl());
        assertThatThrownBy(() -> JdbcBroker.builder().dataSource(ds).schema(schema).autoMigrate(false).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("tasks migrate");
    }

    @Test
    void table_prefix_and_schema_must_be_plain_identifiers() {
        assertThatThrownBy(() -> JdbcBroker.builder().url(TestDatabases.freshH2MemoryUrl()).tablePrefix("x; DROP").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("jdbc.tablePrefix");
    }

    @Test
    void script_splitter_keeps_statements_and_drops_comments() {
        assertThat(JdbcMigrations.split("-- c\nCREATE TABLE a (\n  x INT\n);\n\nCREATE INDEX i ON a (x);\n"))
                .containsExactly("CREATE TABLE a (\n  x INT\n)", "CREATE INDEX i ON a (x)");
    }
}
