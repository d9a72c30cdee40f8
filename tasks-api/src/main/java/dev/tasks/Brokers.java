package dev.tasks;

import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens a {@link Broker} from a URL: {@code redis://}, {@code rediss://}, {@code jdbc:postgresql:},
 * {@code jdbc:h2:}, {@code memory:}... The broker modules on the class path register their
 * {@link BrokerFactory} through {@link ServiceLoader}; switching brokers is a matter of the URL.
 */
public final class Brokers {

    /** The built-in default: an H2 file database in the working directory, shared by local processes. */
    public static final String DEFAULT_URL = "jdbc:h2:file:./.tasks/tasks;AUTO_SERVER=TRUE";

    private Brokers() {}

    /** Opens a broker with the system clock and no options. */
    public static Broker open(String url) {
        return open(BrokerSettings.of(url));
    }

    /**
     * Opens a broker.
     *
     * @throws ConfigurationException when no broker module on the class path handles the URL, naming the
     *     schemes that are available (the URL is shown without its password)
     */
    public static Broker open(BrokerSettings settings) {
        String url = settings.url().trim();
        if (url.isEmpty()) {
            throw new ConfigurationException("broker URL is empty; set --broker, TASKS_BROKER_URL or "
                    + "tasks.broker.url in tasks.properties");
        }
        List<String> schemes = new ArrayList<>();
        for (BrokerFactory f : ServiceLoader.load(BrokerFactory.class, Brokers.class.getClassLoader())) {
            if (f.supports(url)) {
                return f.create(settings);
            }
            schemes.addAll(f.schemes());
        }
        if (Thread.currentThread().getContextClassLoader() != null) {
            for (BrokerFactory f : ServiceLoader.load(BrokerFactory.class, Thread.currentThread().getContextClassLoader())) {
                if (f.supports(url)) {
                    return f.create(settings);
                }
            }
        }
        throw new ConfigurationException("no broker for URL '" + settings.redactedUrl() + "': supported schemes are "
                + schemes + "; add the broker module (tasks-broker-redis, tasks-broker-jdbc) to the class path");
    }
}
