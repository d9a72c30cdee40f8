package dev.tasks.memory;

import dev.tasks.ConfigurationException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * Opens {@link InMemoryBroker}s for the URLs {@code memory:} (the instance named {@code default}) and
 * {@code memory://NAME}. Every URL with the same name yields the same JVM-wide instance, so a client and a
 * worker created separately in one JVM (e.g. in a test) talk to each other. The first caller's clock is
 * the instance's clock. Closing the instance removes it from the registry; the next open of the URL gets
 * a fresh, empty one. Thread-safe. Registered through {@link java.util.ServiceLoader}.
 */
public final class InMemoryBrokerFactory implements BrokerFactory {

    /** The URL prefix this factory handles. */
    public static final String SCHEME = "memory:";

    /** The name of the instance that {@code memory:} and {@code memory://} open. */
    public static final String DEFAULT_NAME = "default";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final ConcurrentMap<String, InMemoryBroker> SHARED = new ConcurrentHashMap<>();

    /** Used by {@link java.util.ServiceLoader}. */
    public InMemoryBrokerFactory() {}

    @Override
    public List<String> schemes() {
        return List.of(SCHEME);
    }

    /**
     * Returns the shared instance for the URL's name, creating it with the settings' clock if there is none.
     *
     * @throws ConfigurationException if the URL is not {@code memory:} or {@code memory://NAME} with NAME
     *     of 1 to 200 letters, digits, {@code . _ -}
     */
    @Override
    public Broker create(BrokerSettings settings) {
        String name = nameOf(settings.url());
        return SHARED.computeIfAbsent(name, n -> new InMemoryBroker(settings.clock(), n, () -> unregister(n)));
    }

    /**
     * The instance name a URL denotes.
     *
     * @throws ConfigurationException if the URL is not a valid in-memory broker URL
     */
    static String nameOf(String url) {
        String u = url.trim();
        if (!u.startsWith(SCHEME)) {
            throw invalid(url);
        }
        String rest = u.substring(SCHEME.length());
        if (rest.isEmpty() || rest.equals("//")) {
            return DEFAULT_NAME;
        }
        if (!rest.startsWith("//")) {
            throw invalid(url);
        }
        String name = rest.substring(2);
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!NAME.matcher(name).matches()) {
            throw invalid(url);
        }
        return name;
    }

    private static ConfigurationException invalid(String url) {
        return new ConfigurationException("invalid in-memory broker URL '" + BrokerSettings.redact(url)
                + "': use 'memory:' or 'memory://NAME' with NAME of 1 to 200 letters, digits, '.', '_' or '-'");
    }

    private static void unregister(String name) {
        SHARED.computeIfPresent(name, (n, b) -> b.isClosed() ? null : b);
    }
}
