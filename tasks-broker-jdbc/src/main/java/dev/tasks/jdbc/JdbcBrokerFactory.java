package dev.tasks.jdbc;

import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import java.util.List;

/**
 * Opens {@link JdbcBroker}s for {@code jdbc:postgresql:}, {@code jdbc:mariadb:}, {@code jdbc:mysql:} and
 * {@code jdbc:h2:} URLs; registered for
 * {@link java.util.ServiceLoader} so that {@link dev.tasks.Brokers#open(String)} finds it.
 */
public final class JdbcBrokerFactory implements BrokerFactory {

    /** Needed by {@link java.util.ServiceLoader}. */
    public JdbcBrokerFactory() {}

    @Override
    public List<String> schemes() {
        return List.of("jdbc:postgresql:", "jdbc:mariadb:", "jdbc:mysql:", "jdbc:h2:");
    }

    @Override
    public java.util.Set<String> optionNames() {
        return java.util.Set.of(JdbcBroker.OPTION_SCHEMA, JdbcBroker.OPTION_TABLE_PREFIX, JdbcBroker.OPTION_AUTO_MIGRATE,
                JdbcBroker.OPTION_USER, JdbcBroker.OPTION_PASSWORD, JdbcBroker.OPTION_POOL_SIZE,
                JdbcBroker.OPTION_POLL_INTERVAL);
    }

    @Override
    public Broker create(BrokerSettings settings) {
        return JdbcBroker.create(settings);
    }
}
