package dev.tasks.spi;

/**
 * Creates brokers for URLs of the schemes it knows. Found with {@link java.util.ServiceLoader}: a broker
 * module lists its factory in {@code META-INF/services/dev.tasks.spi.BrokerFactory}.
 */
public interface BrokerFactory {

    /** The URL prefixes this factory handles, e.g. {@code redis://}, {@code jdbc:postgresql:}. */
    java.util.List<String> schemes();

    /** Whether this factory handles {@code url}. */
    default boolean supports(String url) {
        return schemes().stream().anyMatch(url::startsWith);
    }

    /**
     * The option names this broker reads from {@link BrokerSettings#options()} (e.g. {@code redis.keyPrefix}),
     * so that configuration from environment variables ({@code TASKS_REDIS_KEY_PREFIX}) finds their spelling.
     */
    default java.util.Set<String> optionNames() {
        return java.util.Set.of();
    }

    /**
     * Opens a broker.
     *
     * @throws dev.tasks.ConfigurationException naming what is wrong with the URL or settings
     * @throws dev.tasks.BrokerException when the backend cannot be reached
     */
    Broker create(BrokerSettings settings);
}
