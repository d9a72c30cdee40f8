package dev.tasks.jdbc;

import dev.tasks.spi.ControlStore;
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
    private static final String DUPLICATE_KEY = "23505";

    private final Database db;
    private final Clock clock;
    private final boolean pg;
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
        this.pg = db.dialect == Dialect.POSTGRESQL;
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
        String sql = "INSERT INTO " + members + " (chord_id, member_index, result_value, expires_at) VALUES (?, ?, ?, ?)"
                + (pg ? " ON CONFLICT (chord_id, member_index) DO NOTHING" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, chordId);
            ps.setInt(2, index);
            ps.setString(3, json);
            ps.setLong(4, expires);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            if (!pg && DUPLICATE_KEY.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    private int increment(Connection c, String chordId, long expires) throws SQLException {
        if (pg) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + chords + " (chord_id, members, expires_at)"
                    + " VALUES (?, 1, ?) ON CONFLICT (chord_id) DO UPDATE SET members = " + chords
                    + ".members + 1, expires_at = EXCLUDED.expires_at RETURNING members")) {
                ps.setString(1, chordId);
                ps.setLong(2, expires);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
        while (true) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + chords
                    + " SET members = members + 1, expires_at = ? WHERE chord_id = ?")) {
                ps.setLong(1, expires);
                ps.setString(2, chordId);
                if (ps.executeUpdate() == 1) {
                    try (PreparedStatement q = c.prepareStatement("SELECT members FROM " + chords + " WHERE chord_id = ?")) {
                        q.setString(1, chordId);
                        try (ResultSet rs = q.executeQuery()) {
                            rs.next();
                            return rs.getInt(1);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + chords
                    + " (chord_id, members, expires_at) VALUES (?, 1, ?)")) {
                ps.setString(1, chordId);
                ps.setLong(2, expires);
                ps.executeUpdate();
                return 1;
            } catch (SQLException e) {
                if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                    throw e;
                }
                // Another member created the row first: count on it.
            }
        }
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
        db.inTransaction("revoking task " + taskId, c -> {
            if (pg) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + revocations
                        + " (task_id, terminate, expires_at) VALUES (?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET"
                        + " terminate = EXCLUDED.terminate OR (" + revocations + ".terminate AND " + revocations
                        + ".expires_at > ?), expires_at = EXCLUDED.expires_at")) {
                    ps.setString(1, taskId);
                    ps.setBoolean(2, terminate);
                    ps.setLong(3, expires);
                    ps.setLong(4, now);
                    return ps.executeUpdate();
                }
            }
            boolean flag = terminate;
            try (PreparedStatement ps = c.prepareStatement("SELECT terminate, expires_at FROM " + revocations
                    + " WHERE task_id = ? FOR UPDATE")) {
                ps.setString(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getLong(2) > now && rs.getBoolean(1)) {
                        flag = true;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO " + revocations
                    + " (task_id, terminate, expires_at) KEY (task_id) VALUES (?, ?, ?)")) {
                ps.setString(1, taskId);
                ps.setBoolean(2, flag);
                ps.setLong(3, expires);
                return ps.executeUpdate();
            }
        });
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

    @Override
    public Duration reserveRate(String key, Duration interval) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(interval, "interval");
        long step = interval.toNanos() / 1000;
        if (step <= 0) {
            throw new IllegalArgumentException("interval must be at least 1 microsecond, was " + interval);
        }
        Instant nowInstant = clock.instant();
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, nowInstant);
        long expires = nowInstant.toEpochMilli();
        long slot = db.inTransaction("reserving a rate-limit slot of " + key, c -> {
            if (pg) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + rates
                        + " (rate_key, next_slot, expires_at) VALUES (?, ?, ?) ON CONFLICT (rate_key) DO UPDATE SET"
                        + " next_slot = GREATEST(" + rates + ".next_slot, ?) + ?, expires_at = GREATEST(" + rates
                        + ".next_slot, ?) / 1000 + ? RETURNING next_slot")) {
                    ps.setString(1, key);
                    ps.setLong(2, now + step);
                    ps.setLong(3, (now + step) / 1000 + 1);
                    ps.setLong(4, now);
                    ps.setLong(5, step);
                    ps.setLong(6, now);
                    ps.setLong(7, step / 1000 + 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1) - step;
                    }
                }
            }
            while (true) {
                Long next = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT next_slot FROM " + rates
                        + " WHERE rate_key = ? FOR UPDATE")) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            next = rs.getLong(1);
                        }
                    }
                }
                if (next != null) {
                    long s = Math.max(next, now);
                    try (PreparedStatement ps = c.prepareStatement("UPDATE " + rates
                            + " SET next_slot = ?, expires_at = ? WHERE rate_key = ?")) {
                        ps.setLong(1, s + step);
                        ps.setLong(2, (s + step) / 1000 + 1);
                        ps.setString(3, key);
                        ps.executeUpdate();
                    }
                    return s;
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + rates
                        + " (rate_key, next_slot, expires_at) VALUES (?, ?, ?)")) {
                    ps.setString(1, key);
                    ps.setLong(2, now + step);
                    ps.setLong(3, (now + step) / 1000 + 1);
                    ps.executeUpdate();
                    return now;
                } catch (SQLException e) {
                    if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        });
        sweepNowAndThen();
        return Duration.of(Math.max(0, slot - now), ChronoUnit.MICROS);
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
            try (PreparedStatement ps = c.prepareStatement(pg
                    ? "INSERT INTO " + limits + " (name) VALUES (?) ON CONFLICT (name) DO NOTHING"
                    : "MERGE INTO " + limits + " (name) KEY (name) VALUES (?)")) {
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
