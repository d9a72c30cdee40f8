package dev.tasks.jdbc;

import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.DelayedMessage;
import dev.tasks.spi.QueueStats;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The inspection and administration side of a {@link JdbcBroker}: queue counts and names, purges, and
 * the dead letters (listing, replaying, purging). Arguments are checked by the broker. Thread-safe.
 */
final class QueueAdmin {
    private final Database db;
    private final Clock clock;
    private final WakeUps wakeUps;
    private final Set<String> knownQueues;

    QueueAdmin(Database db, Clock clock, WakeUps wakeUps, Set<String> knownQueues) {
        this.db = db;
        this.clock = clock;
        this.wakeUps = wakeUps;
        this.knownQueues = knownQueues;
    }

    List<DeadLetter> deadLetters(String queue, int limit) {
        return db.run("reading dead letters of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("dead_letters"))) {
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

    /** Up to {@code limit} delayed messages of the queue, soonest due first (statement {@code delayed}). */
    List<DelayedMessage> delayed(String queue, int limit) {
        long now = clock.millis();
        return db.run("reading delayed messages of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("delayed"))) {
                ps.setString(1, queue);
                ps.setLong(2, now);
                ps.setInt(3, limit);
                List<DelayedMessage> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DelayedMessage(rs.getString(1), queue, rs.getInt(2),
                                Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4)));
                    }
                }
                return List.copyOf(out);
            }
        });
    }

    int replayDeadLetters(String queue, Collection<String> ids) {
        boolean byIds = ids != null && !ids.isEmpty();
        List<Long> numeric = null;
        if (byIds) {
            numeric = new ArrayList<>();
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
        List<Long> chosen = numeric;
        int replayed = db.run("replaying dead letters of queue " + queue,
                c -> db.dialect.replay(c, db.sql, queue, chosen, now, db.names.channel()));
        if (replayed > 0) {
            knownQueues.add(queue);
            wakeUps.signal(queue);
        }
        return replayed;
    }

    long purgeDeadLetters(String queue) {
        return db.run("purging dead letters of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("purge_dead"))) {
                ps.setString(1, queue);
                return (long) ps.executeUpdate();
            }
        });
    }

    QueueStats stats(String queue) {
        long now = clock.millis();
        return db.run("reading the counts of queue " + queue, c -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("stats"))) {
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

    Set<String> queues() {
        return db.run("listing queues", c -> {
            Set<String> out = new TreeSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(db.sql.get("queues"))) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return Set.copyOf(out);
        });
    }

    /**
     * Deletes the queue's messages that no consumer holds, in chunks of {@value SqlStatements#PURGE_CHUNK},
     * each its own transaction: a million-row delete in one transaction would hold its row locks, and keep
     * every deleted version for undo, until the end.
     */
    long purge(String queue) {
        long now = clock.millis();
        long total = 0;
        while (true) {
            int n = db.run("purging queue " + queue, c -> {
                try (PreparedStatement ps = c.prepareStatement(db.sql.get("purge"))) {
                    ps.setString(1, queue);
                    ps.setLong(2, now);
                    return ps.executeUpdate();
                }
            });
            total += n;
            if (n < SqlStatements.PURGE_CHUNK) {
                return total;
            }
        }
    }
}
