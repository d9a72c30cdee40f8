package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.Priority;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.ControlStore;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.DelayedMessage;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.Queues;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.StateStore;
import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerLayouts;
import dev.tasks.spi.support.BrokerArguments;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The broker on Redis (6.2 or later; checked with 7.0): streams and consumer groups for ready messages and
 * leases, Lua scripts for every step that must be atomic. Works with a single server, Sentinel and Cluster.
 * This class checks arguments and the lifecycle and hands each operation to the part that does it:
 * {@link MessagePublisher}, {@link MessageClaimer} (fetch), {@link MessageSettler} (ack, lease extension,
 * release, retry, dead-lettering) and {@link QueueAdmin} (counts, purges, dead letters).
 *
 * <p>Layout. Each queue has one stream per priority level (all ten levels of {@link Priority}), a stream of
 * redeliveries per level, a sorted set of delayed messages and a dead-letter stream. A delivery's lease is
 * its entry in the consumer group's pending list, held by a consumer named after the lease's length (see
 * {@link QueueKeys}). Every key of a queue carries the hash tag {@code {q:<queue>}} after the key prefix
 * (option {@value #OPTION_KEY_PREFIX}, default {@value #DEFAULT_KEY_PREFIX}), so a cluster keeps a queue in
 * one slot and several applications can share one Redis with different prefixes.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Publish: one script per queue and batch of up to 1,000 messages, all batches of one call in one
 *       pipeline; atomic per queue and batch, not across queues. Concurrent publish calls share round trips
 *       (group commit): while one is in flight, the calls that arrive wait and then go out together in the
 *       next pipeline; each returns when its own messages are written and fails only for its own. Acks are
 *       coalesced the same way.</li>
 *   <li>Fetch: the read is the lease ({@code XREADGROUP} puts each entry in the reading consumer's pending
 *       list), so a crash cannot lose a message between read and lease. Due delayed messages are moved to
 *       their streams and leases that ran out are found by the fetches themselves; a fetch that finds
 *       nothing blocks until a publish wakes it, a delayed message comes due or its wait is over. How a
 *       fetch reads, and what each step costs, is explained once, in {@link MessageClaimer}. The
 *       revocations' version is read in the same round trip, so the worker's revocation check of the
 *       fetched batch needs no round trip (see {@link RedisControlStore}).</li>
 *   <li>Every delivery is its own stream entry and gets a fresh receipt naming it: a message is delivered
 *       again as a copy in its level's redelivery stream and its old entry deleted. Ack is therefore
 *       plain {@code XACK} + {@code XDEL} (so memory stays bounded), no script; lease extension is
 *       {@code XCLAIM ... JUSTID}; retry, release and dead-letter are scripts (see {@link MessageSettler}).
 *       All of them ignore a stale receipt (one whose message was redelivered since); {@link #extendLeases}
 *       reports it lost. A lease that ran out stays acknowledgeable (and extendable) until the message is
 *       redelivered.</li>
 *   <li>Redelivery: a message whose lease ran out is redelivered once per expiry, its delivery count
 *       incremented. {@link #release} keeps the count (the next delivery increments it); {@link #retry}
 *       and {@link #replayDeadLetters} start a new message whose count starts again.</li>
 *   <li>Order and starvation: a fetch takes the highest level first and, within a level, redelivered
 *       messages before fresh ones in stream (publish) order. Priorities are strict: while level 9
 *       has due messages, level 0 gets nothing from that queue, so a constant flood of high-priority
 *       tasks starves lower ones; use a separate queue for work that must progress regardless.
 *       Several queues of one fetch are served fairly: {@code max} is split between them from a rotating
 *       start and what one queue cannot use goes to the others.</li>
 *   <li>Entries written to a stream by something else (missing fields, not JSON) are delivered with the
 *       payload they have (empty if none), so the worker dead-letters them; they never break a fetch.</li>
 *   <li>Scripts are called by SHA ({@code EVALSHA}) and loaded again when the server answers
 *       {@code NOSCRIPT} (restart, {@code SCRIPT FLUSH}, failover).</li>
 *   <li>Leases are timed by the server (the pending entry's idle time); due times, publish and
 *       dead-letter times and store expiry come from the broker's {@link Clock}.</li>
 *   <li>Connection loss: the failing call throws {@link BrokerException} (the cause is the driver's
 *       exception; an ack that threw may not have happened). Operations that are safe to repeat are
 *       retried once on a fresh connection first; publish is not (it would duplicate). Later calls
 *       reconnect, a fetch waiting out an exponential backoff (100 ms to 5 s; to 1 s on a Cluster or under
 *       Sentinel, which fail over within seconds) between attempts.</li>
 *   <li>Cluster failover: every call groups its commands by node ({@link GroupedPipeline}), so a node that
 *       fails fails only the calls and queues it serves: a fetch returns what the other nodes gave and
 *       passes over the failed node's queues for a moment ({@link QueueOutages}); a publish fails only for
 *       the messages of those queues, saying whether they may have been written. Every connection failure,
 *       {@code MOVED}, {@code ASK} and {@code CLUSTERDOWN} renews the slot map, so producers and workers
 *       find the promoted replica without a restart.</li>
 * </ul>
 * Thread-safe. After {@link #close()}, operations throw {@link IllegalStateException}.
 *
 * <p>Over 500 lines for a reason: the file also holds the {@link Builder}, nested because
 * {@code RedisBroker.Builder} is public API (as {@code JdbcBroker.Builder} is); the facade itself is about
 * 390 lines, most of them this documentation, and the client is made by {@link RedisClients}.
 */
public final class RedisBroker implements Broker {

    /** Option naming the prefix of every key: {@value}. */
    public static final String OPTION_KEY_PREFIX = "redis.keyPrefix";
    /** Option for the maximum number of pooled connections: {@value}. */
    public static final String OPTION_POOL_SIZE = "redis.poolSize";
    /** Option for the connect and read timeout (ISO-8601 like {@code PT2S}, or milliseconds): {@value}. */
    public static final String OPTION_TIMEOUT = "redis.timeout";
    /** Option for the client name shown by {@code CLIENT LIST}: {@value}. */
    public static final String OPTION_CLIENT_NAME = "redis.clientName";
    /** Environment variable read for the password when the URL has none: {@value}. */
    public static final String ENV_PASSWORD = "TASKS_REDIS_PASSWORD";

    /** Default key prefix: {@value}. */
    public static final String DEFAULT_KEY_PREFIX = "tasks";
    /** Default maximum number of pooled connections: {@value}. */
    public static final int DEFAULT_POOL_SIZE = 16;
    /** Default connect and read timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Default client name: {@value}. */
    public static final String DEFAULT_CLIENT_NAME = "tasks";

    /** The consumer group of every stream (see {@link QueueKeys}). */
    static final String GROUP = QueueKeys.GROUP;

    private static final Logger log = LogSafe.logger(RedisBroker.class);

    private final ConnectionGuard guard;
    private final boolean ownsClient;
    private final String keyPrefix;
    private final String description;
    private final Keyspace keys;
    private final MessagePublisher publisher;
    private final MessageClaimer claimer;
    private final MessageSettler settler;
    private final QueueAdmin admin;
    private final DelayedListing delayed;
    private final RedisIdempotencyStore idempotency;
    private final RedisLeaderLock leaderLock;
    private final RedisStateStore state;
    private final RedisResultStore results;
    private final RedisControlStore control;
    private final Optional<WorkerLayouts> layouts;
    private final Optional<WorkerDirectory> workers;

    private RedisBroker(UnifiedJedis jedis, boolean ownsClient, String description, Clock clock, String keyPrefix) {
        this.guard = new ConnectionGuard(jedis, description);
        this.ownsClient = ownsClient;
        this.keyPrefix = keyPrefix;
        this.description = description;
        this.keys = new Keyspace(keyPrefix);
        this.idempotency = new RedisIdempotencyStore(guard, clock, keyPrefix);
        this.leaderLock = new RedisLeaderLock(guard, clock, keyPrefix);
        this.state = new RedisStateStore(guard, clock, keyPrefix);
        this.results = new RedisResultStore(guard, clock, keyPrefix);
        this.control = new RedisControlStore(guard, clock, keyPrefix);
        this.layouts = Optional.of(new RedisWorkerLayouts(guard, clock, keyPrefix));
        this.workers = Optional.of(new RedisWorkerDirectory(guard, clock, keyPrefix));
        this.publisher = new MessagePublisher(guard, clock, keys);
        this.claimer = new MessageClaimer(guard, clock, keys, control, new QueueOutages(description),
                jedis instanceof RedisClusterClient);
        this.settler = new MessageSettler(guard, clock, keys);
        this.admin = new QueueAdmin(guard, clock, keys);
        this.delayed = new DelayedListing(guard, clock, keys);
    }

    /** A builder; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The prefix of every key this broker uses. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public String describe() {
        return description + " (key prefix '" + keyPrefix + "')";
    }

    @Override
    public String toString() {
        return "RedisBroker[" + describe() + "]";
    }

    /**
     * Publishes the messages. Concurrent calls are coalesced (group commit, see {@link MessagePublisher}):
     * every call returns only after its own messages were written, and throws if a script call carrying
     * one of its messages failed.
     */
    @Override
    public void publish(List<OutboundMessage> messages) {
        BrokerArguments.messages(messages);
        guard.ensureOpen();
        if (messages.isEmpty()) {
            return;
        }
        publisher.publish(messages);
    }

    @Override
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        List<String> distinct = BrokerArguments.fetch(queues, max, lease, wait);
        guard.ensureOpen();
        return claimer.fetch(distinct, max, lease, wait);
    }

    /**
     * Acknowledges the deliveries. Concurrent calls are coalesced (group commit, see
     * {@link MessageSettler}): every call returns only after its own deliveries were acknowledged, and
     * throws only if a command covering one of its queues failed. A stale receipt changes nothing.
     */
    @Override
    public void ack(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        guard.ensureOpen();
        settler.ack(deliveries);
    }

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        BrokerArguments.deliveries(deliveries);
        BrokerArguments.lease(lease);
        guard.ensureOpen();
        return settler.extendLeases(deliveries, lease);
    }

    @Override
    public void release(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        guard.ensureOpen();
        settler.release(deliveries);
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        BrokerArguments.retry(delivery, newPayload, delay);
        guard.ensureOpen();
        settler.retry(delivery, newPayload, delay);
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        BrokerArguments.deadLetter(delivery, reason);
        guard.ensureOpen();
        settler.deadLetter(delivery, reason);
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        guard.ensureOpen();
        return admin.deadLetters(queue, limit);
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        Queues.check(queue);
        BrokerArguments.notNull(ids, "ids");
        guard.ensureOpen();
        return admin.replayDeadLetters(queue, ids);
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        return admin.purgeDeadLetters(queue);
    }

    @Override
    public QueueStats stats(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        return admin.stats(queue);
    }

    @Override
    public Set<String> queues() {
        guard.ensureOpen();
        return admin.queues();
    }

    /** See {@link DelayedListing}: not-yet-due members of the queue's delayed sorted set, soonest first. */
    @Override
    public List<DelayedMessage> delayed(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        guard.ensureOpen();
        return delayed.list(queue, limit);
    }

    @Override
    public long purge(String queue) {
        Queues.check(queue);
        guard.ensureOpen();
        return admin.purge(queue);
    }

    @Override
    public IdempotencyStore idempotency() {
        guard.ensureOpen();
        return idempotency;
    }

    @Override
    public LeaderLock leaderLock() {
        guard.ensureOpen();
        return leaderLock;
    }

    @Override
    public StateStore state() {
        guard.ensureOpen();
        return state;
    }

    @Override
    public ResultStore results() {
        guard.ensureOpen();
        return results;
    }

    @Override
    public ControlStore control() {
        guard.ensureOpen();
        return control;
    }

    @Override
    public Optional<WorkerLayouts> layouts() {
        return layouts;
    }

    @Override
    public Optional<WorkerDirectory> workers() {
        return workers;
    }

    /**
     * Closes the connection pool (unless the client was supplied by the caller). Fetches waiting at that
     * moment return an empty list. Safe to call twice.
     */
    @Override
    public void close() {
        if (guard.isClosed()) {
            return;
        }
        guard.markClosed();
        results.close();
        if (ownsClient) {
            try {
                guard.jedis().close();
            } catch (RuntimeException e) {
                log.debug("Error while closing the Redis client of {}", description, e);
            }
        }
        log.info("Redis broker for {} closed", describe());
    }

    QueueKeys keys(String queue) {
        return keys.of(queue);
    }

    /** For tests: how long a queue may be read without the fetch script (see {@link MessageClaimer}). */
    void scriptInterval(Duration interval) {
        claimer.scriptInterval(interval);
    }

    /**
     * Builds a {@link RedisBroker}. Not thread-safe; {@link #build()} snapshots the settings, connects
     * and checks that the server answers.
     *
     * <pre>{@code
     * Broker broker = RedisBroker.builder()
     *     .url("redis://localhost:6379/0")
     *     .keyPrefix("shop")
     *     .build();
     * }</pre>
     */
    public static final class Builder {
        private String url;
        private String password;
        private UnifiedJedis client;
        private Clock clock = Clock.systemUTC();
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String clientName = DEFAULT_CLIENT_NAME;
        private Function<String, String> environment = System::getenv;

        private Builder() {}

        /**
         * The server URL ({@code redis://}, {@code rediss://}, {@code redis-sentinel://},
         * {@code redis-cluster://}); see the class documentation of the factory for the forms.
         *
         * @throws ConfigurationException naming what is wrong with it (the password is never shown)
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            RedisUrl.parse(url);
            this.url = url;
            return this;
        }

        /** The password; overrides one in the URL and {@value RedisBroker#ENV_PASSWORD}. */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Uses a client the caller made and owns (it is not closed by {@link RedisBroker#close()}); instead
         * of {@link #url}.
         */
        public Builder client(UnifiedJedis client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The clock for due times, publish times and store expiry (leases are timed by the Redis server);
         * default the UTC system clock.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The prefix of every key; default {@value RedisBroker#DEFAULT_KEY_PREFIX}. Letters, digits and
         * {@code . _ - :}, 1 to 100 characters.
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,100}")) {
                throw new ConfigurationException("Redis key prefix '" + keyPrefix
                        + "' is invalid: use 1 to 100 letters, digits, '.', '_', '-' or ':'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** Maximum pooled connections; default {@value RedisBroker#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new ConfigurationException("Redis pool size must be >= 1, was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** Connect and read timeout; default 2 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE / 2) {
                throw new ConfigurationException("Redis timeout must be between 1 ms and 12 days, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The client name shown by {@code CLIENT LIST}; default {@value RedisBroker#DEFAULT_CLIENT_NAME}. */
        public Builder clientName(String clientName) {
            Objects.requireNonNull(clientName, "clientName");
            if (!clientName.matches("[!-~]{1,100}")) {
                throw new ConfigurationException("Redis client name '" + clientName
                        + "' is invalid: use 1 to 100 printable characters without spaces");
            }
            this.clientName = clientName;
            return this;
        }

        /**
         * Applies broker settings: the URL, the clock and the {@code redis.*} options
         * ({@value RedisBroker#OPTION_KEY_PREFIX}, {@value RedisBroker#OPTION_POOL_SIZE},
         * {@value RedisBroker#OPTION_TIMEOUT}, {@value RedisBroker#OPTION_CLIENT_NAME}).
         *
         * @throws ConfigurationException for a bad URL, an unknown {@code redis.*} option or a bad value
         */
        public Builder settings(BrokerSettings settings) {
            Objects.requireNonNull(settings, "settings");
            url(settings.url());
            clock(settings.clock());
            for (Map.Entry<String, String> e : settings.options().entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (!name.startsWith("redis.")) {
                    continue;
                }
                switch (name) {
                    case OPTION_KEY_PREFIX -> keyPrefix(value.trim());
                    case OPTION_POOL_SIZE -> poolSize(parseInt(name, value));
                    case OPTION_TIMEOUT -> timeout(parseDuration(name, value));
                    case OPTION_CLIENT_NAME -> clientName(value.trim());
                    default -> throw new ConfigurationException("unknown Redis option '" + name + "'; supported: "
                            + List.of(OPTION_KEY_PREFIX, OPTION_POOL_SIZE, OPTION_TIMEOUT, OPTION_CLIENT_NAME));
                }
            }
            return this;
        }

        /** Where environment variables are read from (tests replace it). */
        Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Connects and returns the broker.
         *
         * @throws ConfigurationException if neither a URL nor a client was given
         * @throws BrokerException if the server cannot be reached
         */
        public RedisBroker build() {
            UnifiedJedis jedis;
            String description;
            boolean owns;
            if (client != null) {
                jedis = client;
                description = "redis (client supplied by the application)";
                owns = false;
            } else {
                if (url == null) {
                    throw new ConfigurationException("Redis broker needs a URL, e.g. redis://localhost:6379/0");
                }
                RedisUrl parsed = RedisUrl.parse(url).withCredentials(password, environment.apply(ENV_PASSWORD));
                description = parsed.describe();
                jedis = RedisClients.open(parsed, poolSize, timeout, clientName);
                owns = true;
            }
            RedisBroker broker = new RedisBroker(jedis, owns, description, clock, keyPrefix);
            try {
                jedis.ping();
                ServerVersion.check(jedis, description);
            } catch (JedisException e) {
                broker.close();
                throw RedisClients.startFailure(description, e);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            log.info("Redis broker ready: {}, key prefix '{}', pool size {}, timeout {} ms, client name '{}'",
                    description, keyPrefix, poolSize, timeout.toMillis(), clientName);
            return broker;
        }

        private static int parseInt(String name, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationException("option " + name + " must be a whole number, was '" + value + "'");
            }
        }

        private static Duration parseDuration(String name, String value) {
            String v = value.trim();
            try {
                return v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v));
            } catch (RuntimeException e) {
                throw new ConfigurationException("option " + name
                        + " must be an ISO-8601 duration like PT2S or a number of milliseconds, was '" + value + "'");
            }
        }
    }
}
