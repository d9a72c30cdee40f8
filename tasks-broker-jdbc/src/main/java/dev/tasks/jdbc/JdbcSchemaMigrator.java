package dev.tasks.jdbc;

import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.SchemaMigrator;

/** {@code tasks migrate} for the JDBC broker's tables. */
public final class JdbcSchemaMigrator implements SchemaMigrator {
    @Override
    public boolean supports(String url) {
        return new JdbcBrokerFactory().supports(url);
    }

    @Override
    public String migrate(BrokerSettings settings) {
        return describe(JdbcBroker.migrate(settings, false));
    }

    @Override
    public String migrateAndContract(BrokerSettings settings) {
        return describe(JdbcBroker.migrate(settings, true));
    }

    private static String describe(JdbcMigrations.Result r) {
        return r.applied() == 0
                ? "schema is up to date at version " + r.toVersion()
                : "schema migrated from version " + r.fromVersion() + " to " + r.toVersion();
    }
}
