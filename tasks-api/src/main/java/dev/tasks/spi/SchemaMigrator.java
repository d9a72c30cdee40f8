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

    /**
     * Applies every pending migration, the contracting ones too (those that remove what older code uses):
     * the explicit step {@code tasks migrate --contract}, taken once no older process runs. The default
     * is {@link #migrate} (a broker without contracting migrations).
     *
     * @return one line saying what was done
     * @throws dev.tasks.ConfigurationException when the schema is too new, or live workers are too old for a
     *     contracting migration
     * @throws dev.tasks.BrokerException when the database cannot be reached or a migration fails
     */
    default String migrateAndContract(BrokerSettings settings) {
        return migrate(settings);
    }
}
