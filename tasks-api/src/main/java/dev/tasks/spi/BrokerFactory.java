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
     * Opens a broker.
     *
     * @throws dev.tasks.ConfigurationException naming what is wrong with the URL or settings
     * @throws dev.tasks.BrokerException when the backend cannot be reached
     */
    Broker create(BrokerSettings settings);
}
