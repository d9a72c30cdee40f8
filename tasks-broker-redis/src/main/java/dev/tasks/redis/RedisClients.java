package dev.tasks.redis;

import dev.tasks.BrokerException;
import java.time.Duration;
import java.util.LinkedHashSet;
import javax.net.ssl.SSLException;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Makes the driver's client for a {@link RedisUrl} (single server, Sentinel or Cluster) with the builder's
 * pool size, timeout and client name, and words a failed first contact for the user.
 */
final class RedisClients {
    /** Attempts of one plain command on a Cluster (the driver's default is 5, over up to 5 timeouts). */
    static final int CLUSTER_MAX_ATTEMPTS = 3;

    private RedisClients() {}

    /**
     * A pooled client; blocking reads may take {@link MessageClaimer#MAX_BLOCK_MILLIS} longer than the
     * timeout.
     *
     * @throws BrokerException if the driver refuses to make it (e.g. no Sentinel answers)
     */
    static UnifiedJedis open(RedisUrl u, int poolSize, Duration timeout, String clientName) {
        int timeoutMillis = (int) timeout.toMillis();
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .blockingSocketTimeoutMillis(timeoutMillis + (int) MessageClaimer.MAX_BLOCK_MILLIS)
                .clientName(clientName)
                .ssl(u.tls());
        if (u.user() != null) {
            cfg.user(u.user());
        }
        if (u.password() != null) {
            cfg.password(u.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(Duration.ofMillis(timeoutMillis));
        try {
            return switch (u.mode()) {
                case STANDALONE -> RedisClient.builder()
                        .hostAndPort(u.hosts().get(0))
                        .clientConfig(cfg.database(u.database()).build())
                        .poolConfig(pool)
                        .build();
                case SENTINEL -> {
                    JedisClientConfig sentinelCfg = DefaultJedisClientConfig.builder()
                            .autoNegotiateProtocol(false) // Sentinels speak RESP2 here; no warning per connection
                            .connectionTimeoutMillis(timeoutMillis)
                            .socketTimeoutMillis(timeoutMillis)
                            .clientName(clientName)
                            .ssl(u.tls())
                            .build();
                    yield RedisSentinelClient.builder()
                            .masterName(u.masterName())
                            .sentinels(new LinkedHashSet<HostAndPort>(u.hosts()))
                            .sentinelClientConfig(sentinelCfg)
                            .clientConfig(cfg.database(u.database()).build())
                            .poolConfig(pool)
                            .build();
                }
                case CLUSTER -> RedisClusterClient.builder()
                        .nodes(new LinkedHashSet<HostAndPort>(u.hosts()))
                        // A command to a dead master is retried (renewing the slot map) for one timeout at
                        // most, not five: the broker renews the map itself at every failure.
                        .maxAttempts(CLUSTER_MAX_ATTEMPTS)
                        .maxTotalRetriesDuration(timeout)
                        .clientConfig(cfg.build())
                        .poolConfig(pool)
                        .build();
            };
        } catch (JedisException e) {
            throw new BrokerException("cannot connect to Redis at " + u.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Why the first contact failed, in the words a user needs: login refused, TLS not trusted, unreachable. */
    static BrokerException startFailure(String where, JedisException e) {
        String message = String.valueOf(e.getMessage());
        SSLException ssl = null;
        for (Throwable t = e; t != null && ssl == null; t = t.getCause()) {
            if (t instanceof SSLException x) {
                ssl = x;
            }
        }
        if (message.matches("(?is).*(WRONGPASS|NOAUTH|invalid username-password|invalid password).*")) {
            return new BrokerException("Redis at " + where + " refused the login (" + message + "); check the user"
                    + " and password (in the URL, TASKS_BROKER_PASSWORD, TASKS_BROKER_PASSWORD_FILE or"
                    + " TASKS_REDIS_PASSWORD)", e);
        }
        if (ssl != null) {
            return new BrokerException("TLS handshake with Redis at " + where + " failed (" + ssl.getMessage()
                    + "); if its certificate is signed by a private CA, add the CA to the Java trust store"
                    + " (-Djavax.net.ssl.trustStore=...)", e);
        }
        return new BrokerException("cannot connect to Redis at " + where + ": " + message, e);
    }
}
