package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.WorkerLayouts;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Expand and contract across code versions, in one JVM with the code's knowledge cut to fewer migrations
 * (an older release) or extended by a contracting test migration (a newer one), on H2, PostgreSQL and MariaDB.
 */
class SchemaCompatTest {
    private static final Migration CONTRACT = Migration.contract(4, "V4__test_contract.sql", 4);

    private final TestPools fixtures = new TestPools();

    @AfterEach
    void cleanUp() {
        fixtures.close();
    }

    @Test
    void old_code_runs_against_a_schema_an_expanding_migration_made_newer_on_h2() {
        oldCodeRunsAfterExpansion(fixtures.pool(TestDatabases.freshH2MemoryUrl()), null);
    }

    @Test
    void old_code_runs_against_a_schema_an_expanding_migration_made_newer_on_postgresql() {
        oldCodeRunsAfterExpansion(fixtures.pool(TestDatabases.postgresUrl()), fixtures.pgSchema());
    }

    @Test
    void old_code_runs_against_a_schema_an_expanding_migration_made_newer_on_mariadb() {
        oldCodeRunsAfterExpansion(fixtures.pool(TestDatabases.mariaDbUrl()), fixtures.mariaDbSchema());
    }

    @Test
    void a_contracting_migration_is_explicit_waits_for_older_workers_and_then_refuses_old_code_on_h2() throws Exception {
        contraction(fixtures.pool(TestDatabases.freshH2MemoryUrl()), null);
    }

    @Test
    void a_contracting_migration_is_explicit_waits_for_older_workers_and_then_refuses_old_code_on_postgresql()
            throws Exception {
        contraction(fixtures.pool(TestDatabases.postgresUrl()), fixtures.pgSchema());
    }

    @Test
    void a_contracting_migration_is_explicit_waits_for_older_workers_and_then_refuses_old_code_on_mariadb()
            throws Exception {
        contraction(fixtures.pool(TestDatabases.mariaDbUrl()), fixtures.mariaDbSchema());
    }

    @Test
    void plans_refuse_an_expansion_that_changes_the_minimum_and_a_contraction_that_keeps_it() {
        assertThatThrownBy(() -> new MigrationPlan(List.of(Migration.expand(1, "a", 1), Migration.expand(2, "b", 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must keep compatibleFrom 1");
        assertThatThrownBy(() -> new MigrationPlan(List.of(Migration.expand(1, "a", 1), Migration.contract(2, "b", 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must raise compatibleFrom");
        MigrationPlan p = new MigrationPlan(withContract());
        assertThat(p.latest()).isEqualTo(4);
        assertThat(p.required()).isEqualTo(3);
        assertThat(p.oldestPeer()).isEqualTo(1);
    }

    private void oldCodeRunsAfterExpansion(HikariDataSource ds, String schema) {
        TableNames names = new TableNames(schema, "tasks_");
        JdbcMigrations older = JdbcMigrations.of(ds, names, Clock.systemUTC(), plan(2));
        assertThat(older.migrate()).isEqualTo(new JdbcMigrations.Result(0, 2));
        JdbcMigrations current = JdbcMigrations.of(ds, names, Clock.systemUTC(), plan(3));
        assertThat(current.migrate()).isEqualTo(new JdbcMigrations.Result(2, 3));

        // The older release restarts against version 3: it runs, auto-migrating or not.
        assertThat(older.migrate()).isEqualTo(new JdbcMigrations.Result(3, 3));
        older.verify();
        JdbcMigrations oldest = JdbcMigrations.of(ds, names, Clock.systemUTC(), plan(1));
        oldest.verify();
        assertThat(oldest.migrate().toVersion()).isEqualTo(3);
    }

    private void contraction(HikariDataSource ds, String schema) throws Exception {
        TableNames names = new TableNames(schema, "tasks_");
        Clock clock = Clock.systemUTC();
        JdbcMigrations current = JdbcMigrations.of(ds, names, clock, plan(3));
        JdbcMigrations contracting = JdbcMigrations.of(ds, names, clock, new MigrationPlan(withContract()));
        current.migrate();

        // The release that ships the contraction runs before it is applied, and does not apply it by itself.
        assertThat(contracting.migrate()).isEqualTo(new JdbcMigrations.Result(3, 3));
        contracting.verify();

        // A live worker of version 3 holds the contraction back.
        SqlDialect dialect;
        try (Connection c = ds.getConnection()) {
            dialect = SqlDialects.of(c);
        }
        Database db = new Database(ds, dialect, names, "test");
        JdbcWorkerLayouts layouts = new JdbcWorkerLayouts(db, clock, plan(3));
        layouts.announce("old-worker", new WorkerLayouts.Layout(3, 1), Duration.ofMinutes(1));
        assertThatThrownBy(contracting::migrateAndContract).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("V4__test_contract.sql").hasMessageContaining("old-worker (version 3)")
                .hasMessageContaining("needs code of version 4 or later");
        layouts.withdraw("old-worker");
        assertThat(contracting.migrateAndContract()).isEqualTo(new JdbcMigrations.Result(3, 4));
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT compatible_from FROM " + names.schemaVersion + " WHERE version = 4")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(4);
        }

        // Now code of version 3 is refused, with the versions named.
        assertThatThrownBy(current::migrate).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("is at version 4, which runs only code of version 4 or later")
                .hasMessageContaining("knows versions up to 3");
        assertThatThrownBy(current::verify).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("version 4");
        contracting.verify();
    }

    private static List<Migration> withContract() {
        List<Migration> all = new ArrayList<>(MigrationPlan.ALL.subList(0, 3));
        all.add(CONTRACT);
        return all;
    }

    private static MigrationPlan plan(int known) {
        return new MigrationPlan(MigrationPlan.ALL.subList(0, known));
    }
}
