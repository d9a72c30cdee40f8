package dev.tasks.memory;

import dev.tasks.Priority;
import dev.tasks.spi.DeadLetter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/** The messages of one queue of an {@link InMemoryBroker}; guarded by the broker's lock. */
final class MemoryQueue {

    /** A dead letter with what replay needs and {@link DeadLetter} does not carry. */
    record DeadEntry(DeadLetter letter, int priority) {}

    final String name;
    /** Pending (ready or delayed) messages, one set per priority, each in due order. */
    private final List<NavigableSet<StoredMessage>> pending;
    private final NavigableSet<StoredMessage> leased = new TreeSet<>(StoredMessage.LEASE_ORDER);
    /** Dead letters by id, oldest first. */
    final Map<String, DeadEntry> dead = new LinkedHashMap<>();

    MemoryQueue(String name) {
        this.name = name;
        this.pending = new ArrayList<>(Priority.MAX - Priority.MIN + 1);
        for (int p = Priority.MIN; p <= Priority.MAX; p++) {
            pending.add(new TreeSet<>(StoredMessage.DUE_ORDER));
        }
    }

    void addPending(StoredMessage m) {
        m.leaseUntil = null;
        pending.get(m.priority - Priority.MIN).add(m);
    }

    void addLeased(StoredMessage m, Instant leaseUntil) {
        m.leaseUntil = leaseUntil;
        leased.add(m);
    }

    /** Takes {@code m} out of whichever set holds it. */
    void detach(StoredMessage m) {
        if (m.isLeased()) {
            leased.remove(m);
        } else {
            pending.get(m.priority - Priority.MIN).remove(m);
        }
    }

    /**
     * Moves messages whose lease ran out at or before {@code now} back to pending. Their receipt stays
     * valid until they are delivered again, so a consumer that finishes just after its lease ran out can
     * still acknowledge.
     */
    void reclaimExpired(Instant now) {
        while (!leased.isEmpty() && !leased.first().leaseUntil.isAfter(now)) {
            addPending(leased.pollFirst());
        }
    }

    /** Removes and returns the due message to deliver next (highest priority, then due order), or null. */
    StoredMessage pollDue(Instant now) {
        for (int p = pending.size() - 1; p >= 0; p--) {
            NavigableSet<StoredMessage> set = pending.get(p);
            if (!set.isEmpty() && !set.first().dueAt.isAfter(now)) {
                return set.pollFirst();
            }
        }
        return null;
    }

    /** The earliest instant after {@code now} at which something changes (a message falls due, a lease runs out). */
    Instant nextEventAfter(Instant now) {
        Instant next = null;
        for (NavigableSet<StoredMessage> set : pending) {
            if (!set.isEmpty() && set.first().dueAt.isAfter(now)) {
                next = earliest(next, set.first().dueAt);
            }
        }
        if (!leased.isEmpty()) {
            next = earliest(next, leased.first().leaseUntil);
        }
        return next;
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    long countReady(Instant now) {
        long n = 0;
        for (NavigableSet<StoredMessage> set : pending) {
            for (StoredMessage m : set) {
                if (m.dueAt.isAfter(now)) {
                    break;
                }
                n++;
            }
        }
        return n;
    }

    /** Up to {@code limit} pending messages due after {@code now}, in {@link StoredMessage#DUE_ORDER}. */
    List<StoredMessage> delayed(Instant now, int limit) {
        NavigableSet<StoredMessage> soonest = new TreeSet<>(StoredMessage.DUE_ORDER);
        // sorts after every message due at or before now
        StoredMessage nowMark = new StoredMessage(name, "", Priority.MIN, "", now, Long.MAX_VALUE);
        for (NavigableSet<StoredMessage> set : pending) {
            for (StoredMessage m : set.tailSet(nowMark, false)) {
                if (soonest.size() == limit && StoredMessage.DUE_ORDER.compare(m, soonest.last()) >= 0) {
                    break; // this set is in due order: the rest of it comes later still
                }
                soonest.add(m);
                if (soonest.size() > limit) {
                    soonest.pollLast();
                }
            }
        }
        return new ArrayList<>(soonest);
    }

    long countPending() {
        long n = 0;
        for (NavigableSet<StoredMessage> set : pending) {
            n += set.size();
        }
        return n;
    }

    long countLeased() {
        return leased.size();
    }

    /** Removes every pending message and returns them. */
    List<StoredMessage> drainPending() {
        List<StoredMessage> out = new ArrayList<>();
        for (NavigableSet<StoredMessage> set : pending) {
            out.addAll(set);
            set.clear();
        }
        return out;
    }
}
