package dev.tasks.spi;

/**
 * Applies a broker's schema migrations on demand ({@code tasks migrate}). Found with
 * {@link java.util.ServiceLoader}; brokers without a schema (Redis) have none.
 */
public interface SchemaMigrator {

    /** Whether this migrator handles the broker of {@code url}. */
    boolean supports(String url);

    /**
     * Applies every pending migration, safely when several processes run it at once.
     *
     * @return one line saying what was done, e.g. "schema at version 2 (was 1)"
     * @throws dev.tasks.ConfigurationException when the schema is newer than this code knows
     * @throws dev.tasks.BrokerException when the database cannot be reached or a migration fails
     */
    String migrate(BrokerSettings settings);
}
