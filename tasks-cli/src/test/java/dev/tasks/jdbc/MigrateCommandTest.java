package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.worker.cli.TasksCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tasks migrate} on PostgreSQL: creates the schema once, then reports it up to date. */
class MigrateCommandTest {
    private static String schema;

    @BeforeAll
    static void database() {
        schema = TestDatabases.freshPostgresSchema();
    }

    @AfterAll
    static void drop() {
        TestDatabases.dropPostgresSchema(schema);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TasksCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        return out.toString();
    }

    @Test
    void migrate_creates_the_tables_then_reports_them_up_to_date() {
        String url = TestDatabases.postgresUrl() + (TestDatabases.postgresUrl().contains("?") ? "&" : "?")
                + "currentSchema=" + schema;
        assertThat(run("migrate", "--broker", url)).contains("schema migrated from version 0 to "
                + JdbcMigrations.LATEST_VERSION);
        assertThat(run("migrate", "--broker", url)).contains("schema is up to date at version "
                + JdbcMigrations.LATEST_VERSION);
        // This release has no contracting migration: --contract has nothing more to apply.
        assertThat(run("migrate", "--contract", "--broker", url)).contains("schema is up to date at version "
                + JdbcMigrations.LATEST_VERSION);
    }
}
