package dev.tasks.jdbc;

import dev.tasks.BrokerException;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.support.GroupCommit;
import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The publishing side of a {@link JdbcBroker}: inserts messages in transactions of their own (concurrent
 * calls coalesced, see {@link #publish}) or in the caller's transaction on the same database, registers
 * queue names, and wakes local fetches of queues that got due messages. Thread-safe.
 */
final class MessagePublisher {
    private static final Logger log = LogSafe.logger(MessagePublisher.class);

    /** The most messages one grouped publish transaction carries (a larger single call still goes alone). */
    static final int GROUP_PUBLISH_MAX = 1000;

    private final Database db;
    private final Clock clock;
    private final WakeUps wakeUps;
    private final Set<String> knownQueues;
    private final String instanceId;
    private final ConcurrentHashMap<String, Boolean> sameDatabase = new ConcurrentHashMap<>();
    private final GroupCommit<List<OutboundMessage>> publishes = new GroupCommit<>(this::sendPublishes, GROUP_PUBLISH_MAX);

    MessagePublisher(Database db, Clock clock, WakeUps wakeUps, Set<String> knownQueues, String instanceId) {
        this.db = db;
        this.clock = clock;
        this.wakeUps = wakeUps;
        this.knownQueues = knownQueues;
        this.instanceId = instanceId;
    }

    /**
     * Inserts the messages in one transaction and returns once it committed. Concurrent calls are coalesced
     * (group commit): a call that finds another publish in flight waits for it, then goes out with the other
     * calls that waited, in one transaction (one statement, one commit, one notification per queue), so
     * sixteen threads publishing one message each cost a commit, not sixteen. A call still fails only for
     * its own messages: if the group's statement fails (the transaction is rolled back), each call of the
     * group is inserted again in a transaction of its own; a failure of the commit itself, whose outcome is
     * unknown, is the outcome of every call of the group, as it would be of a lone call.
     */
    void publish(List<OutboundMessage> messages) {
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

    /** See {@link JdbcBroker#publishInTransaction}. */
    boolean publishInTransaction(TransactionContext transaction, List<OutboundMessage> messages) {
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

    /** Inserts rows (and announces due ones where the dialect notifies) without committing; returns the queues now ready. */
    private Set<String> insert(Connection c, List<OutboundMessage> messages, long now) throws SQLException {
        Set<String> ready = new LinkedHashSet<>();
        Set<String> all = new LinkedHashSet<>();
        long[] runAts = new long[messages.size()];
        for (int i = 0; i < messages.size(); i++) {
            OutboundMessage m = messages.get(i);
            runAts[i] = runAt(m, now);
            all.add(m.queue());
            if (runAts[i] <= now) {
                ready.add(m.queue());
            }
        }
        registerQueues(c, all, now);
        db.dialect.insert(c, db.sql, messages, runAts, now, ready, db.names.channel());
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
        if (!unknown.isEmpty()) {
            db.dialect.registerQueues(c, db.sql, unknown, now);
        }
    }

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

    private static long runAt(OutboundMessage m, long now) {
        return m.notBefore() == null ? now : m.notBefore().toEpochMilli();
    }

    static String queuesOf(List<OutboundMessage> messages) {
        Set<String> q = new LinkedHashSet<>();
        for (OutboundMessage m : messages) {
            q.add(m.queue());
        }
        return q.size() == 1 ? "queue " + q.iterator().next() : "queues " + q;
    }
}
