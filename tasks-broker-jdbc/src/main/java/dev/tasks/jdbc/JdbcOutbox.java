package dev.tasks.jdbc;

import dev.tasks.BrokerException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionalPublisher;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transactional outbox for brokers that cannot join a database transaction (e.g. Redis): messages are
 * written to the {@code outbox} table through the caller's transaction, so they exist if and only if it
 * commits, and an {@link OutboxRelay} later publishes them to the target broker and deletes them
 * (at-least-once: a crash between publish and delete publishes a row again, with the same task id).
 *
 * <p>The table comes from the same migrations as the JDBC broker's ({@link JdbcMigrations}), run on the
 * application's database. {@link #publishInTransaction} takes part only when the transaction's connection
 * reaches that database (recognised by the instance id the migrations stored there) and returns false
 * otherwise. Thread-safe.
 */
public final class JdbcOutbox implements TransactionalPublisher {
    private static final Logger log = LogSafe.logger(JdbcOutbox.class);

    private final DataSource dataSource;
    private final TableNames names;
    private final Clock clock;
    private final String insert;
    private final String lag;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, Boolean> sameDatabase = new ConcurrentHashMap<>();
    private volatile String instanceId;

    private JdbcOutbox(Builder b) {
        this.dataSource = b.dataSource;
        this.names = new TableNames(b.schema, b.tablePrefix);
        this.clock = b.clock;
        this.insert = "INSERT INTO " + names.outbox + " (message_id, queue, priority, not_before, payload, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)";
        this.lag = "SELECT COUNT(*), MIN(created_at) FROM " + names.outbox;
    }

    /** Starts a builder for the outbox in the database behind {@code dataSource} (the application's). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** Starts a relay that moves this outbox's rows to {@code target}. */
    public OutboxRelay.Builder relayTo(Broker target) {
        return OutboxRelay.builder(this, target);
    }

    /**
     * Writes the messages to the outbox through the transaction's connection (never committing or closing
     * it), and wakes local relays after the commit.
     *
     * @return false when the transaction has no JDBC connection or it reaches another database
     * @throws BrokerException if the insert fails (the caller should roll back)
     */
    @Override
    public boolean publishInTransaction(TransactionContext transaction, List<OutboundMessage> messages) {
        var connection = transaction.connection();
        if (connection.isEmpty() || !isSameDatabase(connection.get())) {
            return false;
        }
        if (messages.isEmpty()) {
            return true;
        }
        long now = clock.millis();
        try (PreparedStatement ps = connection.get().prepareStatement(insert)) {
            for (OutboundMessage m : messages) {
                ps.setString(1, m.id());
                ps.setString(2, m.queue());
                ps.setInt(3, m.priority());
                if (m.notBefore() == null) {
                    ps.setNull(4, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(4, m.notBefore().toEpochMilli());
                }
                ps.setString(5, m.payload());
                ps.setLong(6, now);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new BrokerException("writing " + messages.size() + " message(s) (first: " + messages.get(0).id()
                    + " to queue " + messages.get(0).queue() + ") to the outbox " + names.outbox + " failed: "
                    + e.getMessage() + "; roll the transaction back", e);
        }
        transaction.afterCommit(this::committed);
        return true;
    }

    /**
     * The rows waiting and the age of the oldest (one query; for a gauge, not for every task).
     *
     * @throws BrokerException if the database fails
     */
    public OutboxLag lag() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(lag)) {
            rs.next();
            long rows = rs.getLong(1);
            long oldest = rs.getLong(2);
            boolean empty = rs.wasNull() || rows == 0;
            return new OutboxLag(rows, empty ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - oldest)));
        } catch (SQLException e) {
            throw new BrokerException("reading the lag of the outbox " + names.outbox + " failed: " + e.getMessage(), e);
        }
    }

    DataSource dataSource() {
        return dataSource;
    }

    TableNames names() {
        return names;
    }

    Clock clock() {
        return clock;
    }

    void onCommit(Runnable listener) {
        listeners.add(listener);
    }

    void removeOnCommit(Runnable listener) {
        listeners.remove(listener);
    }

    private void committed() {
        for (Runnable r : listeners) {
            r.run();
        }
    }

    private boolean isSameDatabase(Connection c) {
        try {
            var md = c.getMetaData();
            String key = md.getURL() + "|" + md.getUserName();
            Boolean known = sameDatabase.get(key);
            if (known != null) {
                return known;
            }
            String own = ownInstanceId();
            String other = Instances.read(c, names);
            boolean same = own != null && own.equals(other);
            sameDatabase.put(key, same);
            if (!same) {
                log.info("outbox {} does not take part in transactions on {}: not the outbox's database "
                        + "(or its schema is not migrated)", names.outbox, dev.tasks.spi.BrokerSettings.redact(md.getURL()));
            }
            return same;
        } catch (SQLException e) {
            throw new BrokerException("cannot tell whether the caller's transaction is on the outbox's database: "
                    + e.getMessage(), e);
        }
    }

    private String ownInstanceId() throws SQLException {
        String id = instanceId;
        if (id == null) {
            try (Connection c = dataSource.getConnection()) {
                id = Instances.read(c, names);
            }
            instanceId = id;
        }
        return id;
    }

    /** Builds a {@link JdbcOutbox}. Not thread-safe. */
    public static final class Builder {
        private final DataSource dataSource;
        private String schema;
        private String tablePrefix = TableNames.DEFAULT_PREFIX;
        private Clock clock = Clock.systemUTC();

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
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

        /** The clock for row ages; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the outbox (the tables must exist: run {@link JdbcMigrations} on the same database).
         *
         * @throws dev.tasks.ConfigurationException if the schema or prefix is not a plain identifier
         */
        public JdbcOutbox build() {
            return new JdbcOutbox(this);
        }
    }
}
