package dev.tasks.redis;

import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import java.util.List;

/**
 * Opens {@link RedisBroker}s for {@code redis://}, {@code rediss://} (TLS), {@code redis-sentinel://} and
 * {@code redis-cluster://} URLs (and {@code rediss-sentinel://}, {@code rediss-cluster://}):
 * <pre>
 *   redis://[[user][:password]@]host[:port][/db]
 *   redis-sentinel://[[user][:password]@]host[:port][,host[:port]...][/db]?master=name
 *   redis-cluster://[[user][:password]@]host[:port][,host[:port]...]
 * </pre>
 * A user info without a colon is a user name. The password may also come from the environment variable
 * {@value RedisBroker#ENV_PASSWORD} (used when the URL has none), which keeps it out of command lines; a
 * URL that names a user but gets no password from anywhere fails at start (docs/brokers.md, "User and
 * password", has the whole table). Options: see
 * {@link RedisBroker.Builder#settings(BrokerSettings)}. Registered through {@code ServiceLoader}.
 */
public final class RedisBrokerFactory implements BrokerFactory {

    /** Creates the factory (called by {@link java.util.ServiceLoader}). */
    public RedisBrokerFactory() {}

    @Override
    public List<String> schemes() {
        return RedisUrl.SCHEMES;
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.tasks.ConfigurationException for a bad URL or option, naming what is wrong (never the
     *     password)
     * @throws dev.tasks.BrokerException if the server cannot be reached
     */
    @Override
    public java.util.Set<String> optionNames() {
        return java.util.Set.of(RedisBroker.OPTION_KEY_PREFIX, RedisBroker.OPTION_POOL_SIZE, RedisBroker.OPTION_TIMEOUT,
                RedisBroker.OPTION_CLIENT_NAME);
    }

    @Override
    public Broker create(BrokerSettings settings) {
        return RedisBroker.builder().settings(settings).build();
    }
}
