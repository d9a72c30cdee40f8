package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
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
import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionalPublisher;
import dev.tasks.spi.support.BrokerArguments;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;

/**
 * A {@link Broker} on SQL tables: PostgreSQL or MariaDB/MySQL for production, H2 as the embedded default.
 *
 * <p>How it works: messages are rows. A fetch claims up to {@code max} due rows in one statement
 * (PostgreSQL: {@code UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR UPDATE SKIP LOCKED)) RETURNING}), writing
 * a lease expiry and a fresh lease token; the receipt of a delivery carries that token, so a consumer whose
 * lease ran out and whose message was redelivered can no longer ack, extend or retry it. A lease that runs
 * out makes the row claimable again. Acks, releases and lease extensions of many deliveries are one statement
 * each; concurrent publishes and acks of one process share a transaction (group commit, see {@link #publish}).
 * Due times and leases come from the injected {@link Clock}, passed as parameters, never from the
 * database clock. On PostgreSQL, {@code LISTEN/NOTIFY} wakes blocked fetches within milliseconds of a publish
 * from any process; polling with backoff (up to {@link #DEFAULT_MAX_POLL_INTERVAL}) is the fallback and the
 * only way across processes on MariaDB/MySQL and H2.
 *
 * <p>It is also a {@link TransactionalPublisher}: given a transaction whose connection reaches the same
 * database (recognised by the instance id the migrations store in it), it inserts the messages through that
 * connection, so they exist if and only if the transaction commits.
 *
 * <p>Options (for {@link BrokerSettings#options()} and the builder): {@value #OPTION_SCHEMA} (default: the
 * connection's schema), {@value #OPTION_TABLE_PREFIX} (default {@code tasks_}), {@value #OPTION_AUTO_MIGRATE}
 * (default true: the online-safe, lock-serialized migrations run at start; set false where operators run
 * {@code tasks migrate} themselves, and a missing or old schema is then refused with a clear message),
 * {@value #OPTION_USER}, {@value #OPTION_PASSWORD} (or the environment variable {@code TASKS_JDBC_PASSWORD};
 * never logged), {@value #OPTION_POOL_SIZE} (default {@value #DEFAULT_POOL_SIZE}), {@value #OPTION_POLL_INTERVAL}
 * (the longest pause between polls, ISO-8601 like {@code PT0.5S} or milliseconds).
 *
 * <p>Thread-safe. Errors surface as {@link BrokerException} wrapping the {@link SQLException}; the pool
 * reconnects on later calls.
 *
 * <p>Over 500 lines for a reason: the file also holds the public {@link Builder} with its option parsing
 * (public API, so nested as {@code RedisBroker.Builder} is); the broker's work is done by
 * {@code MessageClaimer}, {@code MessagePublisher}, {@code MessageSettler}, {@code QueueAdmin} and the
 * {@code SqlDialect} of the database, and this class is the facade over them.
 */
public final class JdbcBroker implements Broker, TransactionalPublisher {
    private static final Logger log = LogSafe.logger(JdbcBroker.class);

    /** Option: the schema of the tables. */
    public static final String OPTION_SCHEMA = "jdbc.schema";
    /** Option: the table-name prefix. */
    public static final String OPTION_TABLE_PREFIX = "jdbc.tablePrefix";
    /** Option: whether to migrate the schema at start ({@code true}/{@code false}). */
    public static final String OPTION_AUTO_MIGRATE = "jdbc.autoMigrate";
    /** Option: the database user (when not in the URL). */
    public static final String OPTION_USER = "jdbc.user";
    /** Option: the database password (when not in the URL; prefer the environment). */
    public static final String OPTION_PASSWORD = "jdbc.password";
    /** Option: the connection pool's size. */
    public static final String OPTION_POOL_SIZE = "jdbc.poolSize";
    /** Option: the longest pause between polls of an idle fetch. */
    public static final String OPTION_POLL_INTERVAL = "jdbc.pollInterval";
    /** The environment variable read for the password when neither URL nor options give one. */
    public static final String PASSWORD_ENV = "TASKS_JDBC_PASSWORD";

    /** Default pool size. */
    public static final int DEFAULT_POOL_SIZE = 10;
    /** Default longest pause between polls of an idle fetch. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMillis(500);
    /** The shortest pause between polls; doubles up to the maximum while nothing arrives. */
    static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(5);
    static final Duration HOUSEKEEPING_INTERVAL = Duration.ofMinutes(1);
    /** How often dead-row counts are checked when PostgreSQL's autovacuum is off (see {@link Housekeeping}). */
    static final Duration VACUUM_CHECK_INTERVAL = Duration.ofSeconds(5);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Database db;
    private final Clock clock;
    private final HikariDataSource ownedPool;
    private final Duration maxPollInterval;
    private final WakeUps wakeUps = new WakeUps();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String instanceId;
    private final MessagePublisher publisher;
    private final MessageClaimer claimer;
    private final MessageSettler settler;
    private final QueueAdmin admin;
    private final PgListener listener;
    private final Housekeeping housekeeping;
    private final JdbcIdempotencyStore idempotency;
    private final JdbcLeaderLock leaderLock;
    private final JdbcStateStore state;
    private final JdbcResultStore results;
    private final JdbcControlStore control;
    private final Optional<dev.tasks.spi.WorkerLayouts> layouts;
    private final Optional<dev.tasks.spi.WorkerDirectory> workers;

    private JdbcBroker(Builder b) {
        this.clock = b.clock;
        int n = INSTANCES.incrementAndGet();
        TableNames names = new TableNames(b.schema, b.tablePrefix);
        DataSource ds;
        String where;
        if (b.dataSource != null) {
            ds = b.dataSource;
            this.ownedPool = null;
            where = null;
        } else {
            this.ownedPool = Pools.create(b.url, b.user, b.password, b.poolSize, "tasks-jdbc-" + n);
            ds = ownedPool;
            where = BrokerSettings.redact(b.url);
        }
        try {
            SqlDialect dialect;
            try (Connection c = ds.getConnection()) {
                dialect = SqlDialects.of(c);
                if (where == null) {
                    where = BrokerSettings.redact(c.getMetaData().getURL()) + " (caller's DataSource)";
                }
                dialect.opened(c, where);
            } catch (SQLException e) {
                throw new BrokerException("cannot connect to the database of the JDBC broker at "
                        + (where == null ? "the caller's DataSource" : where) + ": " + e.getMessage(), e);
            }
            String description = where + " [tables " + names + "]";
            this.db = new Database(ds, dialect, names, description);
            this.maxPollInterval = b.maxPollInterval;
            JdbcMigrations migrations = JdbcMigrations.of(ds, names, clock);
            if (b.autoMigrate) {
                migrations.migrate();
            } else {
                migrations.verify();
            }
            this.instanceId = db.run("reading the broker instance id", this::readInstanceId);
            Set<String> knownQueues = ConcurrentHashMap.newKeySet();
            this.publisher = new MessagePublisher(db, clock, wakeUps, knownQueues, instanceId);
            this.claimer = new MessageClaimer(db, clock, wakeUps, maxPollInterval, closed);
            this.settler = new MessageSettler(db, clock, wakeUps);
            this.admin = new QueueAdmin(db, clock, wakeUps, knownQueues);
            this.idempotency = new JdbcIdempotencyStore(db, clock);
            this.leaderLock = new JdbcLeaderLock(db, clock);
            this.state = new JdbcStateStore(db, clock);
            ResultSignals resultSignals = dialect.notifies() && b.listen ? new ResultSignals() : null;
            this.results = new JdbcResultStore(db, clock, resultSignals);
            this.control = new JdbcControlStore(db, clock);
            this.workers = Optional.of(new JdbcWorkerDirectory(db, clock));
            this.layouts = migrations.plan().latest() >= JdbcWorkerLayouts.SCHEMA_VERSION
                    ? Optional.of(new JdbcWorkerLayouts(db, clock, migrations.plan())) : Optional.empty();
            this.listener = dialect.notifies() && b.listen
                    ? PgListener.start(ds, names.channel(), wakeUps, JdbcResultStore.resultChannel(names), resultSignals,
                            "tasks-jdbc-listen-" + n) : null;
            this.housekeeping = new Housekeeping(db, clock, "tasks-jdbc-housekeeping-" + n, HOUSEKEEPING_INTERVAL,
                    VACUUM_CHECK_INTERVAL);
            log.info("JDBC broker started: {}, dialect {}, autoMigrate {}, pool {}, max poll interval {}, notify {}",
                    description, dialect.name(), b.autoMigrate, ownedPool == null ? "caller's" : String.valueOf(b.poolSize),
                    maxPollInterval, listener != null);
        } catch (RuntimeException e) {
            if (ownedPool != null) {
                ownedPool.close();
            }
            throw e;
        }
    }

    /**
     * Applies pending schema migrations for these settings (URL, {@value #OPTION_SCHEMA},
     * {@value #OPTION_TABLE_PREFIX}, credentials) on a connection of its own, without opening a broker; what
     * {@code tasks migrate} runs. Safe to run from several processes at once. Applies no contracting
     * migration (see {@link JdbcMigrations#migrateAndContract()}).
     *
     * @throws ConfigurationException for a bad setting or a schema newer than this code knows
     * @throws BrokerException if the database cannot be reached or a migration fails
     */
    public static JdbcMigrations.Result migrate(BrokerSettings settings) {
        return migrate(settings, false);
    }

    /**
     * Applies pending schema migrations as {@link #migrate(BrokerSettings)} does; with {@code contract} the
     * contracting ones too ({@code tasks migrate --contract}; see {@link JdbcMigrations#migrateAndContract()}).
     *
     * @throws ConfigurationException for a bad setting, a schema newer than this code knows, or live workers
     *     too old for a contracting migration
     * @throws BrokerException if the database cannot be reached or a migration fails
     */
    public static JdbcMigrations.Result migrate(BrokerSettings settings, boolean contract) {
        Builder b = builder().url(settings.url()).clock(settings.clock()).options(settings.options());
        try (HikariDataSource pool = Pools.create(b.url, b.user, b.password, 1, "tasks-jdbc-migrate")) {
            JdbcMigrations m = JdbcMigrations.of(pool, new TableNames(b.schema, b.tablePrefix), b.clock);
            return contract ? m.migrateAndContract() : m.migrate();
        }
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a broker for {@code settings} (URL, clock, {@code jdbc.*} options).
     *
     * @throws ConfigurationException for an unsupported URL or a bad option
     * @throws BrokerException when the database cannot be reached or migrated
     */
    public static JdbcBroker create(BrokerSettings settings) {
        return builder().url(settings.url()).clock(settings.clock()).options(settings.options()).build();
    }

    @Override
    public String describe() {
        return "jdbc " + db.description;
    }

    // ---------------------------------------------------------------- messages

    /**
     * Inserts the messages in one transaction and returns once it committed. Concurrent calls are coalesced
     * (group commit): a call that finds another publish in flight waits for it, then goes out with the other
     * calls that waited, in one transaction (one statement, one commit, one notification per queue), so
     * sixteen threads publishing one message each cost a commit, not sixteen. A call still fails only for
     * its own messages: if the group's statement fails (the transaction is rolled back), each call of the
     * group is inserted again in a transaction of its own; a failure of the commit itself, whose outcome is
     * unknown, is the outcome of every call of the group, as it would be of a lone call.
     */
    @Override
    public void publish(List<OutboundMessage> messages) {
        BrokerArguments.messages(messages);
        if (messages.isEmpty()) {
            return;
        }
        checkOpen();
        publisher.publish(messages);
    }

    @Override
    public boolean publishInTransaction(TransactionContext transaction, List<OutboundMessage> messages) {
        BrokerArguments.notNull(transaction, "transaction");
        BrokerArguments.messages(messages);
        checkOpen();
        return publisher.publishInTransaction(transaction, messages);
    }

    @Override
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        List<String> distinct = BrokerArguments.fetch(queues, max, lease, wait);
        checkOpen();
        return claimer.fetch(distinct, max, lease, wait);
    }

    /** See {@link MessageClaimer#perQueueLimit}. */
    static int perQueueLimit(int max, int queuesWithRows) {
        return MessageClaimer.perQueueLimit(max, queuesWithRows);
    }

    /**
     * Acknowledges the deliveries; the receipts of concurrent calls go out as one statement in one
     * transaction (group commit), whose failure is the outcome of every call in it.
     */
    @Override
    public void ack(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        List<Receipt> receipts = MessageSettler.receipts(deliveries);
        if (receipts.isEmpty()) {
            return;
        }
        checkOpen();
        settler.ack(receipts);
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        BrokerArguments.retry(delivery, newPayload, delay);
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null) {
            log.warn("retry of message {} in queue {} ignored: receipt '{}' was not issued by this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        checkOpen();
        settler.retry(delivery, r, newPayload, delay);
    }

    @Override
    public void release(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        List<Receipt> receipts = MessageSettler.receipts(deliveries);
        if (receipts.isEmpty()) {
            return;
        }
        checkOpen();
        settler.release(deliveries, receipts);
    }

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        BrokerArguments.deliveries(deliveries);
        BrokerArguments.lease(lease);
        return settler.extendLeases(deliveries, lease, this::checkOpen);
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        BrokerArguments.deadLetter(delivery, reason);
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null) {
            log.warn("dead-lettering of message {} in queue {} ignored: receipt '{}' was not issued by this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        checkOpen();
        settler.deadLetter(delivery, r, reason);
    }

    // ---------------------------------------------------------------- dead letters and inspection

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        checkOpen();
        return admin.deadLetters(queue, limit);
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        Queues.check(queue);
        BrokerArguments.notNull(ids, "ids");
        checkOpen();
        return admin.replayDeadLetters(queue, ids);
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Queues.check(queue);
        checkOpen();
        return admin.purgeDeadLetters(queue);
    }

    @Override
    public QueueStats stats(String queue) {
        Queues.check(queue);
        checkOpen();
        return admin.stats(queue);
    }

    @Override
    public Set<String> queues() {
        checkOpen();
        return admin.queues();
    }

    /** Waiting rows without a lease whose time has not come, soonest first (statement {@code delayed}). */
    @Override
    public List<DelayedMessage> delayed(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        checkOpen();
        return admin.delayed(queue, limit);
    }

    @Override
    public long purge(String queue) {
        Queues.check(queue);
        checkOpen();
        return admin.purge(queue);
    }

    @Override
    public IdempotencyStore idempotency() {
        return idempotency;
    }

    @Override
    public LeaderLock leaderLock() {
        return leaderLock;
    }

    @Override
    public StateStore state() {
        return state;
    }

    @Override
    public ResultStore results() {
        return results;
    }

    @Override
    public dev.tasks.spi.ControlStore control() {
        return control;
    }

    @Override
    public Optional<dev.tasks.spi.WorkerLayouts> layouts() {
        return layouts;
    }

    @Override
    public Optional<dev.tasks.spi.WorkerDirectory> workers() {
        return workers;
    }

    Housekeeping housekeeping() {
        return housekeeping;
    }

    /** Closes the listener, the housekeeping thread and (if this broker opened it) the connection pool. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        wakeUps.signalAll();
        housekeeping.close();
        if (listener != null) {
            listener.stop();
        }
        if (ownedPool != null) {
            // Closing the pool aborts the listener's connection, which ends its wait at once.
            ownedPool.close();
        }
        if (listener != null) {
            listener.close();
        }
        log.info("JDBC broker closed: {}", db.description);
    }

    /** Whether {@code c} reaches this broker's database (see {@link MessagePublisher#isSameDatabase}). */
    boolean isSameDatabase(Connection c) {
        return publisher.isSameDatabase(c);
    }

    private String readInstanceId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(db.sql.get("instance_id"))) {
            if (!rs.next()) {
                throw new SQLException("the instance row of " + db.names.instance + " is missing");
            }
            return rs.getString(1);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("JDBC broker " + db.description + " is closed");
        }
    }

    /**
     * Builds a {@link JdbcBroker}: from a JDBC URL (the broker opens and owns a HikariCP pool) or from the
     * caller's {@link DataSource} (the broker borrows connections and never closes it). Not thread-safe;
     * {@link #build()} snapshots the settings.
     */
    public static final class Builder {
        private String url;
        private DataSource dataSource;
        private Clock clock = Clock.systemUTC();
        private String schema;
        private String tablePrefix = TableNames.DEFAULT_PREFIX;
        private Boolean autoMigrate;
        private String user;
        private String password;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration maxPollInterval = DEFAULT_MAX_POLL_INTERVAL;
        private boolean listen = true;

        private Builder() {}

        /** A {@code jdbc:postgresql:}, {@code jdbc:mariadb:}, {@code jdbc:mysql:} or {@code jdbc:h2:} URL; the broker opens a pool for it. */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            SqlDialects.fromUrl(url.trim());
            this.url = url.trim();
            this.dataSource = null;
            return this;
        }

        /** The caller's data source (PostgreSQL, MariaDB/MySQL or H2); the broker does not close it. */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.url = null;
            return this;
        }

        /** The clock for due times, leases and expiry; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The schema of the tables; default the connection's current schema. */
        public Builder schema(String schema) {
            this.schema = schema == null || schema.isBlank() ? null : schema.trim();
            return this;
        }

        /** The table-name prefix; default {@code tasks_}. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Objects.requireNonNull(tablePrefix, "tablePrefix");
            return this;
        }

        /** Whether to migrate the schema at start; default true. */
        public Builder autoMigrate(boolean autoMigrate) {
            this.autoMigrate = autoMigrate;
            return this;
        }

        /** The database user, when the URL has none. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** The database password, when the URL has none (else {@code TASKS_JDBC_PASSWORD} is read). Never logged. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** The size of the pool opened for a URL; default {@value JdbcBroker#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new IllegalArgumentException("poolSize must be >= 1, was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** The longest pause between polls of an idle fetch; default 500 ms. */
        public Builder maxPollInterval(Duration maxPollInterval) {
            Objects.requireNonNull(maxPollInterval, "maxPollInterval");
            if (maxPollInterval.compareTo(MIN_POLL_INTERVAL) < 0) {
                throw new IllegalArgumentException("maxPollInterval must be >= " + MIN_POLL_INTERVAL.toMillis()
                        + " ms, was " + maxPollInterval.toMillis() + " ms");
            }
            this.maxPollInterval = maxPollInterval;
            return this;
        }

        /** Whether to LISTEN for enqueue notifications on PostgreSQL; default true (polling only when off). */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /**
         * Applies {@code jdbc.*} options (see the class documentation); unknown {@code jdbc.*} keys are
         * rejected, other keys ignored.
         *
         * @throws ConfigurationException naming the option and the bad value
         */
        public Builder options(Map<String, String> options) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                String k = e.getKey();
                String v = e.getValue();
                if (!k.startsWith("jdbc.")) {
                    continue;
                }
                switch (k) {
                    case OPTION_SCHEMA -> schema(v);
                    case OPTION_TABLE_PREFIX -> tablePrefix(v.trim());
                    case OPTION_AUTO_MIGRATE -> autoMigrate(parseBoolean(k, v));
                    case OPTION_USER -> user(v);
                    case OPTION_PASSWORD -> password(v);
                    case OPTION_POOL_SIZE -> {
                        try {
                            poolSize(Integer.parseInt(v.trim()));
                        } catch (IllegalArgumentException ex) {
                            throw new ConfigurationException(k + " must be an integer >= 1, was '" + v + "'", ex);
                        }
                    }
                    case OPTION_POLL_INTERVAL -> {
                        try {
                            maxPollInterval(parseDuration(v.trim()));
                        } catch (RuntimeException ex) {
                            throw new ConfigurationException(k + " must be a duration of at least 5 ms (PT0.5S or "
                                    + "milliseconds), was '" + v + "'", ex);
                        }
                    }
                    default -> throw new ConfigurationException("unknown JDBC broker option '" + k + "'; known: "
                            + List.of(OPTION_SCHEMA, OPTION_TABLE_PREFIX, OPTION_AUTO_MIGRATE, OPTION_USER,
                                    OPTION_PASSWORD, OPTION_POOL_SIZE, OPTION_POLL_INTERVAL));
                }
            }
            return this;
        }

        private static boolean parseBoolean(String key, String v) {
            String s = v.trim();
            if (s.equalsIgnoreCase("true")) {
                return true;
            }
            if (s.equalsIgnoreCase("false")) {
                return false;
            }
            throw new ConfigurationException(key + " must be true or false, was '" + v + "'");
        }

        private static Duration parseDuration(String v) {
            return v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v));
        }

        /**
         * Opens the broker: connects, migrates or verifies the schema, starts the PostgreSQL listener.
         *
         * @throws IllegalStateException if neither a URL nor a data source was given
         * @throws ConfigurationException for a bad setting or a schema this code cannot run against
         * @throws BrokerException if the database cannot be reached
         */
        public JdbcBroker build() {
            if (url == null && dataSource == null) {
                throw new IllegalStateException("JdbcBroker.Builder needs url(..) or dataSource(..)");
            }
            if (autoMigrate == null) {
                autoMigrate = true;
            }
            return new JdbcBroker(this);
        }
    }
}
