package dev.tasks.jdbc;

import dev.tasks.spi.ControlStore;
import dev.tasks.spi.RateReservation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chords, revocations, rate limits and concurrency slots in the tables of schema version 2. Each operation
 * is one statement or one short transaction whose row lock serializes it against the same operation in
 * other processes: the chord row for counting members, the rate-limit row for reserving a slot, the
 * concurrency-limit row for taking a slot. Expired rows are deleted every {@value #SWEEP_EVERY} writes.
 */
final class JdbcControlStore implements ControlStore {
    private static final int SWEEP_EVERY = 1000;
    private static final int IN_CHUNK = 500;
    /**
     * Put before a rate key to name the row of its next turn; no rate key starts so (they start with a
     * task name, which holds no space).
     */
    static final String TURN_PREFIX = "turn ";

    private final Database db;
    private final Clock clock;
    private final String chords;
    private final String members;
    private final String revocations;
    private final String rates;
    private final String limits;
    private final String slots;
    private final AtomicInteger writes = new AtomicInteger();

    JdbcControlStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.chords = db.names.table("chords");
        this.members = db.names.table("chord_members");
        this.revocations = db.names.table("revocations");
        this.rates = db.names.table("rate_limits");
        this.limits = db.names.table("concurrency_limits");
        this.slots = db.names.table("concurrency_slots");
    }

    // ------------------------------------------------------------------------------------------------ chords

    @Override
    public int chordAdd(String chordId, int index, String resultJson, Duration ttl) {
        Objects.requireNonNull(chordId, "chordId");
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, was " + index);
        }
        long expires = clock.millis() + JdbcIdempotencyStore.positive(ttl, "ttl").toMillis();
        int count = db.inTransaction("counting member " + index + " of chord " + chordId, c -> {
            boolean added = insertMember(c, chordId, index, resultJson == null ? "null" : resultJson, expires);
            if (!added) {
                try (PreparedStatement ps = c.prepareStatement("SELECT members FROM " + chords + " WHERE chord_id = ?")) {
                    ps.setString(1, chordId);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getInt(1) : 0;
                    }
                }
            }
            return increment(c, chordId, expires);
        });
        sweepNowAndThen();
        return count;
    }

    private boolean insertMember(Connection c, String chordId, int index, String json, long expires) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(db.sql.get("chord_member_insert"))) {
            ps.setString(1, chordId);
            ps.setInt(2, index);
            ps.setString(3, json);
            ps.setLong(4, expires);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (SqlStates.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    private int increment(Connection c, String chordId, long expires) throws SQLException {
        return db.dialect.chordIncrement(c, db.sql, chordId, expires);
    }

    @Override
    public List<String> chordResults(String chordId, int size) {
        Objects.requireNonNull(chordId, "chordId");
        List<String> out = new ArrayList<>(java.util.Collections.nCopies(Math.max(0, size), (String) null));
        if (size <= 0) {
            return out;
        }
        long now = clock.millis();
        return db.run("reading the results of chord " + chordId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT member_index, result_value FROM " + members
                    + " WHERE chord_id = ? AND expires_at > ?")) {
                ps.setString(1, chordId);
                ps.setLong(2, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int i = rs.getInt(1);
                        if (i >= 0 && i < size) {
                            out.set(i, rs.getString(2));
                        }
                    }
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------------ revocations

    @Override
    public void revoke(String taskId, boolean terminate, Duration ttl) {
        Objects.requireNonNull(taskId, "taskId");
        long now = clock.millis();
        long expires = now + JdbcIdempotencyStore.positive(ttl, "ttl").toMillis();
        db.inTransaction("revoking task " + taskId,
                c -> db.dialect.revoke(c, db.sql, taskId, terminate, expires, now));
        sweepNowAndThen();
    }

    @Override
    public Map<String, Boolean> revoked(Collection<String> taskIds) {
        Objects.requireNonNull(taskIds, "taskIds");
        if (taskIds.isEmpty()) {
            return Map.of();
        }
        List<String> ids = new ArrayList<>(taskIds);
        long now = clock.millis();
        return db.run("checking " + ids.size() + " task(s) for revocation", c -> {
            Map<String, Boolean> out = new HashMap<>();
            for (int from = 0; from < ids.size(); from += IN_CHUNK) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
                StringBuilder sql = new StringBuilder("SELECT task_id, terminate FROM ").append(revocations)
                        .append(" WHERE expires_at > ? AND task_id IN (");
                for (int i = 0; i < chunk.size(); i++) {
                    sql.append(i == 0 ? "?" : ", ?");
                }
                try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
                    ps.setLong(1, now);
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, Objects.requireNonNull(chunk.get(i), "task id"));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.put(rs.getString(1), rs.getBoolean(2));
                        }
                    }
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------------ rate limits

    /**
     * One statement per row, each its own short transaction (the row is locked for that statement only,
     * so workers asking at once queue for microseconds, not for round trips): the key's next free slot
     * moves when the slot offered is within the horizon; otherwise the row of its next turn (named
     * {@value #TURN_PREFIX} and the key) moves. Each statement returns the row's value before it, from
     * which the same decision is taken here.
     */
    @Override
    public RateReservation reserveRate(String key, Duration interval, Duration notBefore, Duration horizon) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(interval, "interval");
        long step = interval.toNanos() / 1000;
        if (step <= 0) {
            throw new IllegalArgumentException("interval must be at least 1 microsecond, was " + interval);
        }
        long lead = notNegativeMicros(notBefore, "notBefore");
        long reach = notNegativeMicros(horizon, "horizon");
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
        String what = "reserving a rate-limit slot of " + key;
        long next = db.run(what, c -> advance(c, key, now + lead, now + reach, step));
        long slot = Math.max(next, now + lead);
        RateReservation answer;
        if (slot - now <= reach) {
            if (next <= now) {
                // The limit was idle: turns handed out before hold no one up.
                db.run(what, c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + rates + " WHERE rate_key = ?")) {
                        ps.setString(1, TURN_PREFIX + key);
                        return ps.executeUpdate();
                    }
                });
            }
            answer = RateReservation.slot(Duration.of(slot - now, ChronoUnit.MICROS));
        } else {
            long turn = Math.max(db.run(what, c -> advance(c, TURN_PREFIX + key, slot - reach, Long.MAX_VALUE / 2, step)),
                    slot - reach);
            answer = RateReservation.askAgainIn(Duration.of(turn - now, ChronoUnit.MICROS));
        }
        sweepNowAndThen();
        return answer;
    }

    /**
     * In one statement on row {@code rowKey} (inserted at 0 when missing): when {@code max(time, earliest)}
     * is at most {@code latest}, sets the time to that plus {@code step}; returns the time before.
     */
    private long advance(Connection c, String rowKey, long earliest, long latest, long step) throws SQLException {
        while (true) {
            Long before = db.dialect.rateAdvance(c, db.sql, rowKey, earliest, latest, step);
            if (before != null) {
                return before;
            }
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("rate_insert"))) {
                ps.setString(1, rowKey);
                ps.executeUpdate();
            } catch (SQLException e) {
                if (!SqlStates.isDuplicateKey(e)) {
                    throw e;
                }
            }
        }
    }

    private static long notNegativeMicros(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d.toNanos() / 1000;
    }

    // ------------------------------------------------------------------------------------ concurrency slots

    @Override
    public boolean acquireSlot(String name, int limit, String holder, Duration lease) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        long now = clock.millis();
        long until = now + JdbcIdempotencyStore.positive(lease, "lease").toMillis();
        return db.inTransaction("taking a concurrency slot of " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql.get("concurrency_limit_insert"))) {
                ps.setString(1, name);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM " + limits + " WHERE name = ? FOR UPDATE")) {
                ps.setString(1, name);
                ps.executeQuery().close();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + slots + " WHERE name = ? AND lease_until <= ?")) {
                ps.setString(1, name);
                ps.setLong(2, now);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + slots
                    + " SET lease_until = ? WHERE name = ? AND holder = ?")) {
                ps.setLong(1, until);
                ps.setString(2, name);
                ps.setString(3, holder);
                if (ps.executeUpdate() == 1) {
                    return true;
                }
            }
            int held;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + slots + " WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    held = rs.getInt(1);
                }
            }
            if (held >= limit) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + slots
                    + " (name, holder, lease_until) VALUES (?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, holder);
                ps.setLong(3, until);
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Set<String> renewSlots(String name, Collection<String> holders, Duration lease) {
        Objects.requireNonNull(name, "name");
        long now = clock.millis();
        long until = now + JdbcIdempotencyStore.positive(lease, "lease").toMillis();
        if (holders.isEmpty()) {
            return Set.of();
        }
        List<String> list = new ArrayList<>(holders);
        return db.run("renewing concurrency slots of " + name, c -> {
            Set<String> lost = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + slots
                    + " SET lease_until = ? WHERE name = ? AND holder = ? AND lease_until > ?")) {
                for (String h : list) {
                    ps.setLong(1, until);
                    ps.setString(2, name);
                    ps.setString(3, h);
                    ps.setLong(4, now);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] == 0) {
                        lost.add(list.get(i));
                    }
                }
            }
            return lost;
        });
    }

    @Override
    public void releaseSlot(String name, String holder) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        db.run("giving back a concurrency slot of " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + slots + " WHERE name = ? AND holder = ?")) {
                ps.setString(1, name);
                ps.setString(2, holder);
                return ps.executeUpdate();
            }
        });
    }

    // --------------------------------------------------------------------------------------------- cleanup

    private void sweepNowAndThen() {
        if (writes.incrementAndGet() % SWEEP_EVERY != 0) {
            return;
        }
        long now = clock.millis();
        try {
            db.run("deleting expired chords, revocations and rate limits", c -> {
                for (String t : new String[] {chords, members, revocations, rates}) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t + " WHERE expires_at < ?")) {
                        ps.setLong(1, now);
                        ps.executeUpdate();
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            // Cleanup only: the next sweep tries again.
        }
    }
}
