package dev.tasks.memory;

import dev.tasks.spi.ControlStore;
import dev.tasks.spi.RateReservation;
import dev.tasks.spi.support.BrokerArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chords, revocations, rate limits and concurrency slots in maps, each operation under one lock; time
 * from the broker's clock. Expired entries are invisible at once and swept lazily.
 */
final class InMemoryControlStore implements ControlStore {
    private static final int SWEEP_EVERY = 1024;

    private record Chord(Map<Integer, String> results, Instant expiresAt) {}

    private record Revocation(boolean terminate, Instant expiresAt) {}

    private final Clock clock;
    private final Map<String, Chord> chords = new HashMap<>();
    private final Map<String, Revocation> revocations = new HashMap<>();
    private final Map<String, Instant> rates = new HashMap<>();
    private final Map<String, Instant> turns = new HashMap<>();
    private final Map<String, Map<String, Instant>> slots = new HashMap<>();
    private int writes;

    InMemoryControlStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized int chordAdd(String chordId, int index, String resultJson, Duration ttl) {
        BrokerArguments.notBlank(chordId, "chordId");
        BrokerArguments.positive(ttl, "ttl");
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, was " + index);
        }
        Instant now = clock.instant();
        Chord c = chords.get(chordId);
        Map<Integer, String> results = c == null || !c.expiresAt.isAfter(now) ? new HashMap<>() : c.results;
        results.putIfAbsent(index, resultJson == null ? "null" : resultJson);
        chords.put(chordId, new Chord(results, Saturating.plus(now, ttl)));
        sweep(now);
        return results.size();
    }

    @Override
    public synchronized List<String> chordResults(String chordId, int size) {
        BrokerArguments.notBlank(chordId, "chordId");
        Chord c = chords.get(chordId);
        boolean live = c != null && c.expiresAt.isAfter(clock.instant());
        List<String> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(live ? c.results.get(i) : null);
        }
        return out;
    }

    @Override
    public synchronized void revoke(String taskId, boolean terminate, Duration ttl) {
        BrokerArguments.notBlank(taskId, "taskId");
        BrokerArguments.positive(ttl, "ttl");
        Instant now = clock.instant();
        Revocation old = revocations.get(taskId);
        boolean t = terminate || (old != null && old.expiresAt.isAfter(now) && old.terminate);
        revocations.put(taskId, new Revocation(t, Saturating.plus(now, ttl)));
        sweep(now);
    }

    @Override
    public synchronized Map<String, Boolean> revoked(Collection<String> taskIds) {
        BrokerArguments.noNulls(taskIds, "taskIds");
        Instant now = clock.instant();
        Map<String, Boolean> out = new HashMap<>();
        for (String id : taskIds) {
            Revocation r = revocations.get(id);
            if (r != null && r.expiresAt.isAfter(now)) {
                out.put(id, r.terminate);
            }
        }
        return out;
    }

    @Override
    public synchronized RateReservation reserveRate(String key, Duration interval, Duration notBefore,
            Duration horizon) {
        BrokerArguments.notBlank(key, "key");
        BrokerArguments.positive(interval, "interval");
        BrokerArguments.notNegative(notBefore, "notBefore");
        BrokerArguments.notNegative(horizon, "horizon");
        Instant now = clock.instant();
        Instant next = rates.get(key);
        Instant earliest = now.plus(notBefore);
        Instant slot = next == null || next.isBefore(earliest) ? earliest : next;
        RateReservation answer;
        if (!slot.isAfter(now.plus(horizon))) {
            rates.put(key, slot.plus(interval));
            if (next == null || !next.isAfter(now)) {
                turns.remove(key);
            }
            answer = RateReservation.slot(Duration.between(now, slot));
        } else {
            Instant turn = slot.minus(horizon);
            Instant line = turns.get(key);
            if (line != null && line.isAfter(turn)) {
                turn = line;
            }
            turns.put(key, turn.plus(interval));
            answer = RateReservation.askAgainIn(Duration.between(now, turn));
        }
        sweep(now);
        return answer;
    }

    @Override
    public synchronized boolean acquireSlot(String name, int limit, String holder, Duration lease) {
        BrokerArguments.notBlank(name, "name");
        BrokerArguments.notBlank(holder, "holder");
        BrokerArguments.atLeastOne(limit, "limit");
        BrokerArguments.positive(lease, "lease");
        Instant now = clock.instant();
        Map<String, Instant> held = slots.computeIfAbsent(name, n -> new HashMap<>());
        held.values().removeIf(until -> !until.isAfter(now));
        if (!held.containsKey(holder) && held.size() >= limit) {
            return false;
        }
        held.put(holder, Saturating.plus(now, lease));
        return true;
    }

    @Override
    public synchronized Set<String> renewSlots(String name, Collection<String> holders, Duration lease) {
        BrokerArguments.notBlank(name, "name");
        BrokerArguments.noNulls(holders, "holders");
        BrokerArguments.positive(lease, "lease");
        Instant now = clock.instant();
        Map<String, Instant> held = slots.getOrDefault(name, Map.of());
        Set<String> lost = new HashSet<>();
        for (String h : holders) {
            Instant until = held.get(h);
            if (until == null || !until.isAfter(now)) {
                lost.add(h);
                if (until != null) {
                    held.remove(h);
                }
            } else {
                held.put(h, Saturating.plus(now, lease));
            }
        }
        return lost;
    }

    @Override
    public synchronized void releaseSlot(String name, String holder) {
        BrokerArguments.notBlank(name, "name");
        BrokerArguments.notBlank(holder, "holder");
        Map<String, Instant> held = slots.get(name);
        if (held != null) {
            held.remove(holder);
        }
    }

    private void sweep(Instant now) {
        if (++writes % SWEEP_EVERY != 0) {
            return;
        }
        chords.values().removeIf(c -> !c.expiresAt.isAfter(now));
        revocations.values().removeIf(r -> !r.expiresAt.isAfter(now));
        // A rate key whose next slot is in the past holds no information any more.
        rates.values().removeIf(tat -> tat.isBefore(now));
        turns.values().removeIf(turn -> turn.isBefore(now));
        slots.values().forEach(m -> m.values().removeIf(until -> !until.isAfter(now)));
        slots.values().removeIf(Map::isEmpty);
    }
}
