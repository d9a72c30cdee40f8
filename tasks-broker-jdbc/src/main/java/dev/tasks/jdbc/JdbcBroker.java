package dev.tasks.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.internal.GroupCommit;
import dev.tasks.internal.LogSafe;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.DeadLetter;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} on SQL tables: PostgreSQL for production, H2 as the embedded default.
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
 * only way across processes on H2.
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
    static final int MAX_REASON_LENGTH = 2000;

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** The most receipts one grouped ack statement carries. */
    static final int GROUP_ACK_MAX = 1000;
    /** The most messages one grouped publish transaction carries (a larger single call still goes alone). */
    static final int GROUP_PUBLISH_MAX = 1000;

    private final Database db;
    private final Clock clock;
    private final MessageSql sql;
    private final HikariDataSource ownedPool;
    private final Duration maxPollInterval;
    private final WakeUps wakeUps = new WakeUps();
    private final Set<String> knownQueues = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Boolean> sameDatabase = new ConcurrentHashMap<>();
    private final ReentrantLock h2ClaimLock = new ReentrantLock();
    private final AtomicInteger rotation = new AtomicInteger();
    /**
     * How many queues the last claim over several queues took rows from: the next claim takes up to
     * {@code max} divided by that many rows from each queue, not {@code max} from every queue (a fetch of 64
     * from 100 busy queues locked 6,400 rows on PostgreSQL to keep 64). See {@link #perQueueLimit}.
     */
    private volatile int queuesWithRows = 1;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final GroupCommit<List<Receipt>> acks = new GroupCommit<>(this::sendAcks, GROUP_ACK_MAX);
    private final GroupCommit<List<OutboundMessage>> publishes = new GroupCommit<>(this::sendPublishes, GROUP_PUBLISH_MAX);
    private final String instanceId;
    private final PgListener listener;
    private final Housekeeping housekeeping;
    private final JdbcIdempotencyStore idempotency;
    private final JdbcLeaderLock leaderLock;
    private final JdbcStateStore state;
    private final JdbcResultStore results;
    private final JdbcControlStore control;
    private final Optional<dev.tasks.spi.WorkerLayouts> layouts;

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
            Dialect dialect;
            try (Connection c = ds.getConnection()) {
                dialect = Dialect.of(c);
                if (where == null) {
                    where = BrokerSettings.redact(c.getMetaData().getURL()) + " (caller's DataSource)";
                }
                if (dialect == Dialect.H2) {
                    H2Durability.report(c, where);
                }
            } catch (SQLException e) {
                throw new BrokerException("cannot connect to the database of the JDBC broker at "
                        + (where == null ? "the caller's DataSource" : where) + ": " + e.getMessage(), e);
            }
            String description = where + " [tables " + names + "]";
            this.db = new Database(ds, dialect, names, description);
            this.sql = new MessageSql(names);
            this.maxPollInterval = b.maxPollInterval;
            JdbcMigrations migrations = JdbcMigrations.of(ds, names, clock);
            if (b.autoMigrate) {
                migrations.migrate();
            } else {
                migrations.verify();
            }
            this.instanceId = db.run("reading the broker instance id", this::readInstanceId);
            this.idempotency = new JdbcIdempotencyStore(db, clock);
            this.leaderLock = new JdbcLeaderLock(db, clock);
            this.state = new JdbcStateStore(db, clock);
            ResultSignals resultSignals = dialect == Dialect.POSTGRESQL && b.listen ? new ResultSignals() : null;
            this.results = new JdbcResultStore(db, clock, resultSignals);
            this.control = new JdbcControlStore(db, clock);
            this.layouts = migrations.plan().latest() >= JdbcWorkerLayouts.SCHEMA_VERSION
                    ? Optional.of(new JdbcWorkerLayouts(db, clock, migrations.plan())) : Optional.empty();
            this.listener = dialect == Dialect.POSTGRESQL && b.listen
                    ? PgListener.start(ds, names.channel(), wakeUps, JdbcResultStore.resultChannel(names), resultSignals,
                            "tasks-jdbc-listen-" + n) : null;
            this.housekeeping = new Housekeeping(db, clock, "tasks-jdbc-housekeeping-" + n, HOUSEKEEPING_INTERVAL,
                    VACUUM_CHECK_INTERVAL);
            log.info("JDBC broker started: {}, dialect {}, autoMigrate {}, pool {}, max poll interval {}, notify {}",
                    description, dialect, b.autoMigrate, ownedPool == null ? "caller's" : String.valueOf(b.poolSize),
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

    // ---------------------------------------------------------------- publish

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
        if (messages.isEmpty()) {
            return;
        }
        checkOpen();
        publishes.submit(messages, messages.size());
    }

    private List<RuntimeException> sendPublishes(List<List<OutboundMessage>> batch) {
        if (batch.size() == 1) {
            publishAlone(batch.get(0));
            return Collections.singletonList(null);
        }
        List<OutboundMessage> all = new ArrayList<>();
        batch.forEach(all::addAll);
        long now = clock.millis();
        boolean[] connected = {false};
        boolean[] inserted = {false};
        try {
            Set<String> ready = db.inTransaction("publishing " + all.size() + " message(s) from " + batch.size()
                    + " concurrent calls to " + queuesOf(all), c -> {
                connected[0] = true;
                Set<String> r = insert(c, all, now);
                inserted[0] = true;
                return r;
            });
            afterInsert(all, ready);
            return Collections.nCopies(batch.size(), null);
        } catch (RuntimeException e) {
            if (!connected[0] || inserted[0]) {
                // No connection (each call alone would wait for one in turn), or the commit failed: whether the
                // group's rows are there is unknown, and inserting them again could duplicate them.
                return Collections.nCopies(batch.size(), e);
            }
            // The statement failed and the transaction was rolled back: each call on its own, so that only the
            // calls whose messages cannot be inserted fail.
            List<RuntimeException> outcomes = new ArrayList<>(batch.size());
            for (List<OutboundMessage> messages : batch) {
                try {
                    publishAlone(messages);
                    outcomes.add(null);
                } catch (RuntimeException alone) {
                    outcomes.add(alone);
                }
            }
            return outcomes;
        }
    }

    private void publishAlone(List<OutboundMessage> messages) {
        long now = clock.millis();
        Set<String> ready = db.inTransaction("publishing " + messages.size() + " message(s) to " + queuesOf(messages),
                c -> insert(c, messages, now));
        afterInsert(messages, ready);
    }

    @Override
    public boolean publishInTransaction(TransactionContext transaction, List<OutboundMessage> messages) {
        checkOpen();
        Optional<Connection> connection = transaction.connection();
        if (connection.isEmpty() || !isSameDatabase(connection.get())) {
            return false;
        }
        if (messages.isEmpty()) {
            return true;
        }
        long now = clock.millis();
        registerQueuesApart(messages, now);
        Set<String> ready;
        try {
            ready = insert(connection.get(), messages, now);
        } catch (SQLException e) {
            throw new BrokerException("publishing " + messages.size() + " message(s) to " + queuesOf(messages)
                    + " inside the caller's transaction failed on " + db.description + ": " + e.getMessage()
                    + "; roll the transaction back", e);
        }
        transaction.afterCommit(() -> afterInsert(messages, ready));
        return true;
    }

    /** Inserts rows (and announces due ones on PostgreSQL) without committing; returns the queues now ready. */
    private Set<String> insert(Connection c, List<OutboundMessage> messages, long now) throws SQLException {
        Set<String> ready = new LinkedHashSet<>();
        Set<String> all = new LinkedHashSet<>();
        for (OutboundMessage m : messages) {
            all.add(m.queue());
            if (runAt(m, now) <= now) {
                ready.add(m.queue());
            }
        }
        registerQueues(c, all, now);
        if (db.dialect == Dialect.POSTGRESQL) {
            int n = messages.size();
            String[] queues = new String[n];
            String[] ids = new String[n];
            Integer[] priorities = new Integer[n];
            Long[] runAts = new Long[n];
            String[] payloads = new String[n];
            for (int i = 0; i < n; i++) {
                OutboundMessage m = messages.get(i);
                queues[i] = m.queue();
                ids[i] = m.id();
                priorities[i] = m.priority();
                runAts[i] = runAt(m, now);
                payloads[i] = m.payload();
            }
            String text = ready.isEmpty() ? sql.insertPg : sql.insertPg + ";\n" + sql.notifyPg;
            try (PreparedStatement ps = c.prepareStatement(text)) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setArray(3, c.createArrayOf("varchar", queues));
                ps.setArray(4, c.createArrayOf("varchar", ids));
                ps.setArray(5, c.createArrayOf("int4", priorities));
                ps.setArray(6, c.createArrayOf("int8", runAts));
                ps.setArray(7, c.createArrayOf("text", payloads));
                if (!ready.isEmpty()) {
                    ps.setString(8, db.names.channel());
                    ps.setArray(9, c.createArrayOf("varchar", ready.toArray(new String[0])));
                }
                ps.execute();
                drain(ps);
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement(sql.insertH2)) {
                for (OutboundMessage m : messages) {
                    long runAt = runAt(m, now);
                    ps.setString(1, m.queue());
                    ps.setString(2, m.id());
                    ps.setInt(3, m.priority());
                    ps.setBoolean(4, runAt <= now);
                    ps.setLong(5, runAt);
                    ps.setLong(6, runAt);
                    ps.setLong(7, now);
                    ps.setString(8, m.payload());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        return ready;
    }

    private void afterInsert(List<OutboundMessage> messages, Set<String> ready) {
        for (OutboundMessage m : messages) {
            knownQueues.add(m.queue());
        }
        if (!ready.isEmpty()) {
            wakeUps.signal(ready);
        }
    }

    /**
     * Registers new queues on a connection of the broker's own, committed at once, before messages are
     * written in a caller's transaction: a queue row inserted in that transaction would stay locked until
     * it ends, so a second transaction publishing to the same new queue meanwhile would wait for it, and
     * one nested in it ({@code REQUIRES_NEW} on the same thread) would wait forever.
     */
    private void registerQueuesApart(List<OutboundMessage> messages, long now) {
        Set<String> unknown = new LinkedHashSet<>();
        for (OutboundMessage m : messages) {
            if (!knownQueues.contains(m.queue())) {
                unknown.add(m.queue());
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        db.run("registering queue(s) " + unknown, c -> {
            registerQueues(c, unknown, now);
            return null;
        });
        knownQueues.addAll(unknown);
    }

    private void registerQueues(Connection c, Set<String> queues, long now) throws SQLException {
        List<String> unknown = new ArrayList<>();
        for (String q : queues) {
            if (!knownQueues.contains(q)) {
                unknown.add(q);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        if (db.dialect == Dialect.POSTGRESQL) {
            try (PreparedStatement ps = c.prepareStatement(sql.registerQueuePg)) {
                ps.setLong(1, now);
                ps.setArray(2, c.createArrayOf("varchar", unknown.toArray(new String[0])));
                ps.executeUpdate();
            }
        } else {
            // H2's MERGE is not atomic against a concurrent one for the same new name: both may insert, and
            // the second then fails on the primary key. The queue exists either way; a failed statement
            // does not abort an H2 transaction, so the caller's insert goes on.
            try (PreparedStatement ps = c.prepareStatement(sql.registerQueueH2)) {
                for (String q : unknown) {
                    ps.setString(1, q);
                    ps.setLong(2, now);
                    try {
                        ps.executeUpdate();
                    } catch (SQLException e) {
                        if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    /** SQLSTATE of a unique-constraint violation. */
    private static final String DUPLICATE_KEY = "23505";

    private static long runAt(OutboundMessage m, long now) {
        return m.notBefore() == null ? now : m.notBefore().toEpochMilli();
    }

    // ---------------------------------------------------------------- fetch

    @Override
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        Objects.requireNonNull(queues, "queues");
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("queues must not be empty");
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(queues));
        distinct.forEach(Queues::check);
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        if (wait == null || wait.isNegative()) {
            throw new IllegalArgumentException("wait must be zero or positive, was " + wait);
        }
        checkOpen();
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = MIN_POLL_INTERVAL.toNanos();
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                return List.of();
            }
            long[] seen = wakeUps.snapshot(distinct);
            List<Delivery> got = claim(distinct, max, lease);
            if (!got.isEmpty()) {
                return got;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || closed.get()) {
                return List.of();
            }
            try {
                if (wakeUps.await(distinct, seen, Math.min(left, pause))) {
                    pause = MIN_POLL_INTERVAL.toNanos();
                } else {
                    pause = Math.min(pause * 2, maxPollInterval.toNanos());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    private List<Delivery> claim(List<String> queues, int max, Duration lease) {
        long now = clock.millis();
        long until = now + lease.toMillis();
        long token = ThreadLocalRandom.current().nextLong();
        List<String> order = rotate(queues);
        String what = "fetching from " + queues;
        if (db.dialect == Dialect.POSTGRESQL) {
            return db.run(what, c -> claimPg(c, order, max, now, until, token));
        }
        h2ClaimLock.lock();
        try {
            return db.run(what, c -> claimH2(c, order, max, now, until, token));
        } finally {
            h2ClaimLock.unlock();
        }
    }

    private List<String> rotate(List<String> queues) {
        if (queues.size() == 1) {
            return queues;
        }
        int shift = Math.floorMod(rotation.getAndIncrement(), queues.size());
        List<String> out = new ArrayList<>(queues.size());
        for (int i = 0; i < queues.size(); i++) {
            out.add(queues.get((i + shift) % queues.size()));
        }
        return out;
    }

    private List<Delivery> claimPg(Connection c, List<String> queues, int max, long now, long until, long token)
            throws SQLException {
        boolean one = queues.size() == 1;
        // Promotion of due delayed rows and expired leases, then the claim: one round trip.
        try (PreparedStatement ps = c.prepareStatement(sql.promotePg + ";\n" + (one ? sql.claimOnePg : sql.claimManyPg))) {
            ps.setLong(1, now);
            ps.setLong(2, until);
            ps.setLong(3, token);
            if (one) {
                ps.setString(4, queues.get(0));
                ps.setInt(5, max);
            } else {
                ps.setArray(4, c.createArrayOf("varchar", queues.toArray(new String[0])));
                ps.setInt(5, perQueueLimit(max, queuesWithRows));
                ps.setInt(6, max);
            }
            boolean isResult = ps.execute();
            while (!isResult) {
                if (ps.getUpdateCount() == -1) {
                    return List.of();
                }
                isResult = ps.getMoreResults();
            }
            try (ResultSet rs = ps.getResultSet()) {
                return noteQueuesWithRows(readDeliveries(rs, token, one ? null : queues), one);
            }
        }
    }

    /**
     * The most rows one claim takes (locks on PostgreSQL, reads as candidates on H2) in each of several
     * queues: {@code max} shared among the queues that had rows last time (at least one each). A queue that
     * had none then still gets that many; when fewer queues have rows than last time, a claim may come back
     * short once, and the next one shares among those.
     */
    static int perQueueLimit(int max, int queuesWithRows) {
        int busy = Math.max(1, queuesWithRows);
        return Math.max(1, (max + busy - 1) / busy);
    }

    /** Remembers how many queues a claim over several queues took rows from; returns {@code got}. */
    private List<Delivery> noteQueuesWithRows(List<Delivery> got, boolean oneQueue) {
        if (!oneQueue && !got.isEmpty()) {
            queuesWithRows = (int) got.stream().map(Delivery::queue).distinct().count();
        }
        return got;
    }

    private List<Delivery> claimH2(Connection c, List<String> queues, int max, long now, long until, long token)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.promoteH2)) {
            ps.setLong(1, now);
            ps.executeUpdate();
        }
        // H2 locks every matching row for FOR UPDATE before applying LIMIT, so candidates are read without
        // locks and claimed with a guarded update; rows another process took in between are skipped.
        for (int attempt = 0; attempt < 5; attempt++) {
            List<Long> picked = new ArrayList<>();
            List<List<Long>> perQueue = new ArrayList<>();
            int limit = queues.size() == 1 ? max : perQueueLimit(max, queuesWithRows);
            try (PreparedStatement ps = c.prepareStatement(sql.candidatesH2)) {
                for (String q : queues) {
                    ps.setString(1, q);
                    ps.setInt(2, limit);
                    List<Long> ids = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                        }
                    }
                    perQueue.add(ids);
                }
            }
            for (int rank = 0; picked.size() < max; rank++) {
                boolean any = false;
                for (List<Long> ids : perQueue) {
                    if (rank < ids.size() && picked.size() < max) {
                        picked.add(ids.get(rank));
                        any = true;
                    }
                }
                if (!any) {
                    break;
                }
            }
            if (picked.isEmpty()) {
                return List.of();
            }
            try (PreparedStatement ps = c.prepareStatement(sql.claimH2)) {
                ps.setLong(1, until);
                ps.setLong(2, token);
                ps.setArray(3, c.createArrayOf("BIGINT", picked.stream().sorted().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    List<Delivery> got = readDeliveries(rs, token, queues.size() == 1 ? null : queues);
                    if (!got.isEmpty()) {
                        return noteQueuesWithRows(got, queues.size() == 1);
                    }
                }
            }
        }
        return List.of();
    }

    private static List<Delivery> readDeliveries(ResultSet rs, long token, List<String> queueOrder) throws SQLException {
        List<Claimed> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(new Claimed(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                    rs.getInt(6), rs.getString(7)));
        }
        Comparator<Claimed> inQueue = Comparator.comparingInt(Claimed::priority).reversed()
                .thenComparingLong(Claimed::runAt).thenComparingLong(Claimed::id);
        rows.sort(inQueue);
        if (queueOrder != null) {
            rows = interleave(rows, queueOrder);
        }
        List<Delivery> out = new ArrayList<>(rows.size());
        for (Claimed r : rows) {
            out.add(new Delivery(r.queue, r.messageId, r.payload, r.deliveries, Receipt.format(r.id, token),
                    Instant.ofEpochMilli(r.runAt)));
        }
        return out;
    }

    private static List<Claimed> interleave(List<Claimed> sorted, List<String> queueOrder) {
        Map<String, List<Claimed>> byQueue = new HashMap<>();
        for (Claimed r : sorted) {
            byQueue.computeIfAbsent(r.queue, q -> new ArrayList<>()).add(r);
        }
        List<Claimed> out = new ArrayList<>(sorted.size());
        for (int rank = 0; out.size() < sorted.size(); rank++) {
            for (String q : queueOrder) {
                List<Claimed> l = byQueue.get(q);
                if (l != null && rank < l.size()) {
                    out.add(l.get(rank));
                }
            }
        }
        return out;
    }

    private record Claimed(long id, String queue, String messageId, int priority, long runAt, int deliveries,
            String payload) {}

    // ---------------------------------------------------------------- settle

    @Override
    public void ack(Collection<Delivery> deliveries) {
        List<Receipt> receipts = receipts(deliveries);
        if (receipts.isEmpty()) {
            return;
        }
        checkOpen();
        acks.submit(receipts, receipts.size());
    }

    /**
     * Sends the receipts of concurrent {@link #ack} calls as one statement in one transaction (group commit):
     * a task costs a share of a commit, not a commit. The transaction is all or nothing, so its failure is
     * the outcome of every call in it.
     */
    private List<RuntimeException> sendAcks(List<List<Receipt>> batch) {
        List<Receipt> all = new ArrayList<>();
        batch.forEach(all::addAll);
        db.run("acknowledging " + all.size() + " message(s)", c -> {
            if (db.dialect == Dialect.POSTGRESQL) {
                try (PreparedStatement ps = c.prepareStatement(sql.ackPg)) {
                    bindPairs(c, ps, 1, all);
                    return ps.executeUpdate();
                }
            }
            return batchPairs(c, sql.ackH2, all);
        });
        return Collections.nCopies(batch.size(), null);
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        Objects.requireNonNull(newPayload, "newPayload");
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("delay must be zero or positive, was " + delay);
        }
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null) {
            log.warn("retry of message {} in queue {} ignored: receipt '{}' was not issued by this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        checkOpen();
        long now = clock.millis();
        long runAt = now + delay.toMillis();
        boolean ready = runAt <= now;
        int updated = db.run("scheduling the retry of message " + delivery.messageId() + " in queue " + delivery.queue(), c -> {
            String text = ready && db.dialect == Dialect.POSTGRESQL ? sql.retry + ";\n" + sql.notifyPg : sql.retry;
            try (PreparedStatement ps = c.prepareStatement(text)) {
                ps.setString(1, newPayload);
                ps.setBoolean(2, ready);
                ps.setLong(3, runAt);
                ps.setLong(4, runAt);
                ps.setLong(5, r.id());
                ps.setLong(6, r.token());
                if (ready && db.dialect == Dialect.POSTGRESQL) {
                    ps.setString(7, db.names.channel());
                    ps.setArray(8, c.createArrayOf("varchar", new String[] {delivery.queue()}));
                }
                ps.execute();
                int count = ps.getUpdateCount();
                drain(ps);
                return count;
            }
        });
        if (updated == 0) {
            log.warn("retry of message {} in queue {} not recorded: its lease was lost (expired and redelivered, "
                    + "or already settled); the other delivery decides its fate", delivery.messageId(), delivery.queue());
        } else if (ready) {
            wakeUps.signal(delivery.queue());
        }
    }

    @Override
    public void release(Collection<Delivery> deliveries) {
        List<Receipt> receipts = receipts(deliveries);
        if (receipts.isEmpty()) {
            return;
        }
        checkOpen();
        Set<String> queues = new LinkedHashSet<>();
        for (Delivery d : deliveries) {
            queues.add(d.queue());
        }
        db.run("releasing " + receipts.size() + " message(s) of " + queues, c -> {
            if (db.dialect == Dialect.POSTGRESQL) {
                try (PreparedStatement ps = c.prepareStatement(sql.releasePg + ";\n" + sql.notifyPg)) {
                    bindPairs(c, ps, 1, receipts);
                    ps.setString(3, db.names.channel());
                    ps.setArray(4, c.createArrayOf("varchar", queues.toArray(new String[0])));
                    ps.execute();
                    drain(ps);
                    return 0;
                }
            }
            return batchPairs(c, sql.releaseH2, receipts);
        });
        wakeUps.signal(queues);
    }

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        Set<String> lost = new HashSet<>();
        List<Receipt> receipts = new ArrayList<>();
        List<String> receiptStrings = new ArrayList<>();
        for (Delivery d : deliveries) {
            Receipt r = Receipt.parse(d.receipt());
            if (r == null) {
                lost.add(d.receipt());
            } else {
                receipts.add(r);
                receiptStrings.add(d.receipt());
            }
        }
        if (receipts.isEmpty()) {
            return lost;
        }
        checkOpen();
        long until = clock.millis() + lease.toMillis();
        Set<Receipt> kept = db.run("extending the leases of " + receipts.size() + " message(s)", c -> {
            Set<Receipt> ids = new HashSet<>();
            if (db.dialect == Dialect.POSTGRESQL) {
                try (PreparedStatement ps = c.prepareStatement(sql.extendPg)) {
                    ps.setLong(1, until);
                    bindPairs(c, ps, 2, receipts);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(new Receipt(rs.getLong(1), rs.getLong(2)));
                        }
                    }
                }
                return ids;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.extendH2)) {
                for (Receipt r : receipts) {
                    ps.setLong(1, until);
                    ps.setLong(2, r.id());
                    ps.setLong(3, r.token());
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] > 0) {
                        ids.add(receipts.get(i));
                    }
                }
            }
            return ids;
        });
        for (int i = 0; i < receipts.size(); i++) {
            if (!kept.contains(receipts.get(i))) {
                lost.add(receiptStrings.get(i));
            }
        }
        return lost;
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        Receipt r = Receipt.parse(delivery.receipt());
        if (r == null) {
            log.warn("dead-lettering of message {} in queue {} ignored: receipt '{}' was not issued by this broker",
                    delivery.messageId(), delivery.queue(), delivery.receipt());
            return;
        }
        checkOpen();
        String oneLine = oneLine(reason);
        long now = clock.millis();
        int moved = db.run("dead-lettering message " + delivery.messageId() + " of queue " + delivery.queue(), c -> {
            boolean pg = db.dialect == Dialect.POSTGRESQL;
            try (PreparedStatement ps = c.prepareStatement(pg ? sql.deadLetterPg : sql.deadLetterH2)) {
                if (pg) {
                    ps.setLong(1, r.id());
                    ps.setLong(2, r.token());
                    ps.setString(3, oneLine);
                    ps.setLong(4, now);
                } else {
                    ps.setString(1, oneLine);
                    ps.setLong(2, now);
                    ps.setLong(3, r.id());
                    ps.setLong(4, r.token());
                }
                return ps.executeUpdate();
            }
        });
        if (moved == 0) {
            log.warn("dead-lettering of message {} in queue {} not recorded: its lease was lost (expired and "
                    + "redelivered, or already settled)", delivery.messageId(), delivery.queue());
        }
    }

    private static String oneLine(String reason) {
        // PostgreSQL text cannot hold NUL; a reason quoting a hostile payload may contain one.
        return Columns.fit(reason == null ? "" : reason.replaceAll("\\s*\\R\\s*", " ").trim(), MAX_REASON_LENGTH);
    }

    // ---------------------------------------------------------------- dead letters and inspection

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        Queues.check(queue);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        checkOpen();
        return db.run("reading dead letters of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.deadLetters)) {
                ps.setString(1, queue);
                ps.setInt(2, limit);
                List<DeadLetter> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeadLetter(Long.toString(rs.getLong(1)), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        Queues.check(queue);
        checkOpen();
        boolean byIds = ids != null && !ids.isEmpty();
        List<Long> numeric = new ArrayList<>();
        if (byIds) {
            for (String id : ids) {
                try {
                    numeric.add(Long.parseLong(id));
                } catch (NumberFormatException e) {
                    // Not an id of this broker: nothing to replay for it.
                }
            }
            if (numeric.isEmpty()) {
                return 0;
            }
        }
        long now = clock.millis();
        int replayed = db.run("replaying dead letters of queue " + queue, c -> {
            boolean pg = db.dialect == Dialect.POSTGRESQL;
            String text = pg ? sql.replayPg(byIds) + ";\n" + sql.notifyPg : sql.replayH2(byIds);
            try (PreparedStatement ps = c.prepareStatement(text)) {
                int i = 1;
                if (pg) {
                    ps.setString(i++, queue);
                    if (byIds) {
                        ps.setArray(i++, c.createArrayOf("int8", numeric.toArray()));
                    }
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, db.names.channel());
                    ps.setArray(i, c.createArrayOf("varchar", new String[] {queue}));
                } else {
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, queue);
                    if (byIds) {
                        ps.setArray(i, c.createArrayOf("BIGINT", numeric.toArray()));
                    }
                }
                ps.execute();
                int count = ps.getUpdateCount();
                drain(ps);
                return count;
            }
        });
        if (replayed > 0) {
            knownQueues.add(queue);
            wakeUps.signal(queue);
        }
        return replayed;
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Queues.check(queue);
        checkOpen();
        return db.run("purging dead letters of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.purgeDead)) {
                ps.setString(1, queue);
                return (long) ps.executeUpdate();
            }
        });
    }

    @Override
    public QueueStats stats(String queue) {
        Queues.check(queue);
        checkOpen();
        long now = clock.millis();
        return db.run("reading the counts of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.stats)) {
                ps.setLong(1, now);
                ps.setLong(2, now);
                ps.setLong(3, now);
                ps.setString(4, queue);
                ps.setString(5, queue);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new QueueStats(queue, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
                }
            }
        });
    }

    @Override
    public Set<String> queues() {
        checkOpen();
        return db.run("listing queues", c -> {
            Set<String> out = new java.util.TreeSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.queues)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return Set.copyOf(out);
        });
    }

    @Override
    public long purge(String queue) {
        Queues.check(queue);
        checkOpen();
        long now = clock.millis();
        // In chunks, each its own transaction: a million-row delete in one transaction would hold its row
        // locks, and keep every deleted version for undo, until the end.
        long total = 0;
        while (true) {
            int n = db.run("purging queue " + queue, c -> {
                try (PreparedStatement ps = c.prepareStatement(db.dialect == Dialect.POSTGRESQL ? sql.purgePg : sql.purgeH2)) {
                    ps.setString(1, queue);
                    ps.setLong(2, now);
                    return ps.executeUpdate();
                }
            });
            total += n;
            if (n < MessageSql.PURGE_CHUNK) {
                return total;
            }
        }
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

    // ---------------------------------------------------------------- helpers

    /**
     * Whether {@code c} reaches this broker's database: it must see the same instance row in the broker's
     * tables. Looked up once per connection URL and user, without statements that could fail (and so abort
     * a PostgreSQL transaction).
     */
    boolean isSameDatabase(Connection c) {
        try {
            var md = c.getMetaData();
            String key = md.getURL() + "|" + md.getUserName();
            Boolean known = sameDatabase.get(key);
            if (known != null) {
                return known;
            }
            String other = Instances.read(c, db.names);
            boolean same = instanceId.equals(other);
            sameDatabase.put(key, same);
            if (!same) {
                log.info("transactional publish through {} falls back to after-commit: it is not the broker's "
                        + "database {}", BrokerSettings.redact(md.getURL()), db.description);
            }
            return same;
        } catch (SQLException e) {
            throw new BrokerException("cannot tell whether the caller's transaction is on the broker's database "
                    + db.description + ": " + e.getMessage(), e);
        }
    }

    private String readInstanceId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.instanceId)) {
            if (!rs.next()) {
                throw new SQLException("the instance row of " + db.names.instance + " is missing");
            }
            return rs.getString(1);
        }
    }

    private static List<Receipt> receipts(Collection<Delivery> deliveries) {
        List<Receipt> out = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            Receipt r = Receipt.parse(d.receipt());
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private static void bindPairs(Connection c, PreparedStatement ps, int first, List<Receipt> receipts)
            throws SQLException {
        Long[] ids = new Long[receipts.size()];
        Long[] tokens = new Long[receipts.size()];
        for (int i = 0; i < receipts.size(); i++) {
            ids[i] = receipts.get(i).id();
            tokens[i] = receipts.get(i).token();
        }
        ps.setArray(first, c.createArrayOf("int8", ids));
        ps.setArray(first + 1, c.createArrayOf("int8", tokens));
    }

    /** Runs {@code text} for each receipt, in id order (see {@link MessageSql}), in one transaction. */
    private static int batchPairs(Connection c, String text, List<Receipt> receipts) throws SQLException {
        List<Receipt> inIdOrder = new ArrayList<>(receipts);
        inIdOrder.sort(Comparator.comparingLong(Receipt::id));
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(text)) {
            for (Receipt r : inIdOrder) {
                ps.setLong(1, r.id());
                ps.setLong(2, r.token());
                ps.addBatch();
            }
            int n = 0;
            for (int k : ps.executeBatch()) {
                n += Math.max(k, 0);
            }
            c.commit();
            return n;
        } catch (SQLException | RuntimeException e) {
            Database.rollbackQuietly(c, e);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Reads every remaining result of a multi-statement execution, so errors of later statements surface. */
    private static void drain(PreparedStatement ps) throws SQLException {
        while (true) {
            if (ps.getMoreResults()) {
                ps.getResultSet().close();
            } else if (ps.getUpdateCount() == -1) {
                return;
            }
        }
    }

    private static String queuesOf(List<OutboundMessage> messages) {
        Set<String> q = new LinkedHashSet<>();
        for (OutboundMessage m : messages) {
            q.add(m.queue());
        }
        return q.size() == 1 ? "queue " + q.iterator().next() : "queues " + q;
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

        /** A {@code jdbc:postgresql:} or {@code jdbc:h2:} URL; the broker opens a pool for it. */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            Dialect.fromUrl(url.trim());
            this.url = url.trim();
            this.dataSource = null;
            return this;
        }

        /** The caller's data source (PostgreSQL or H2); the broker does not close it. */
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
