package dev.tasks.jdbc;

import dev.tasks.BrokerException;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;

/**
 * The fetching side of a {@link JdbcBroker}: claims due rows through the dialect, waits between polls
 * (woken by local publishes and, where the dialect notifies, by other processes'), and turns rows into
 * deliveries in fetch order. Thread-safe.
 */
final class MessageClaimer {
    private static final Logger log = LogSafe.logger(MessageClaimer.class);

    private final Database db;
    private final Clock clock;
    private final WakeUps wakeUps;
    private final Duration maxPollInterval;
    private final AtomicBoolean closed;
    private final AtomicInteger rotation = new AtomicInteger();
    /** Tokens of claims that failed after reaching the server: they may have leased rows nobody holds. */
    private final Set<Long> inDoubt = ConcurrentHashMap.newKeySet();
    /**
     * How many queues the last claim over several queues took rows from: the next claim takes up to
     * {@code max} divided by that many rows from each queue, not {@code max} from every queue (a fetch of 64
     * from 100 busy queues locked 6,400 rows on PostgreSQL to keep 64). See {@link #perQueueLimit}.
     */
    private volatile int queuesWithRows = 1;
    /** The earliest due time of a row that is not ready, as last read (epoch ms; MAX_VALUE: none). */
    private volatile long nextDueMillis = Long.MAX_VALUE;
    /** When {@link #nextDueMillis} was read (nanoTime; 0: never or invalidated). */
    private volatile long nextDueReadAt;

    MessageClaimer(Database db, Clock clock, WakeUps wakeUps, Duration maxPollInterval, AtomicBoolean closed) {
        this.db = db;
        this.clock = clock;
        this.wakeUps = wakeUps;
        this.maxPollInterval = maxPollInterval;
        this.closed = closed;
    }

    /** See {@link JdbcBroker#fetch}; {@code distinct} as {@code BrokerArguments.fetch} returned it. */
    List<Delivery> fetch(List<String> distinct, int max, Duration lease, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = JdbcBroker.MIN_POLL_INTERVAL.toNanos();
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
            long sleep = Math.min(left, pause);
            if (sleep > JdbcBroker.MIN_POLL_INTERVAL.toNanos()) {
                long due = untilNextDue();
                if (due > 0 && due < sleep) {
                    sleep = due; // a delayed row or a lease comes due before the next poll: claim it then
                }
            }
            try {
                if (wakeUps.await(distinct, seen, sleep)) {
                    pause = JdbcBroker.MIN_POLL_INTERVAL.toNanos();
                    nextDueReadAt = 0; // something was published: read the next due time again
                } else {
                    pause = Math.min(pause * 2, maxPollInterval.toNanos());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    /**
     * Nanoseconds until the next row that is not ready comes due (a delayed task, a retry's backoff, a lease
     * running out), or {@code Long.MAX_VALUE} when none will.
     * Read with one indexed query and kept for at most the longest poll pause, or until a publish wakes the
     * fetch, so an idle worker asks once per pause at most; a delayed task or retry published by another
     * process without a notification is therefore found within that pause, as before, and everything else
     * at its due time instead of up to a pause late.
     */
    private long untilNextDue() {
        long now = System.nanoTime();
        long cached = nextDueMillis;
        boolean stale = now - nextDueReadAt > maxPollInterval.toNanos() || cached <= clock.millis();
        if (stale) {
            try {
                long after = clock.millis();
                cached = db.run("reading the next due time", c -> {
                    try (var ps = c.prepareStatement(db.sql.get("next_due"))) {
                        ps.setLong(1, after);
                        try (var rs = ps.executeQuery()) {
                            if (rs.next()) {
                                long v = rs.getLong(1);
                                return rs.wasNull() ? Long.MAX_VALUE : v;
                            }
                            return Long.MAX_VALUE;
                        }
                    }
                });
            } catch (BrokerException e) {
                log.debug("next due time not read: {}", e.getMessage());
                cached = Long.MAX_VALUE;
            }
            nextDueMillis = cached;
            nextDueReadAt = now;
        }
        if (cached == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Duration.ofMillis(cached - clock.millis()).toNanos();
    }

    private List<Delivery> claim(List<String> queues, int max, Duration lease) {
        long now = clock.millis();
        long until = now + lease.toMillis();
        long token = ThreadLocalRandom.current().nextLong();
        List<String> order = rotate(queues);
        boolean one = queues.size() == 1;
        if (!inDoubt.isEmpty()) {
            putBackInDoubt(now);
        }
        List<ClaimedRow> rows;
        try {
            rows = db.dialect.claim(db, "fetching from " + queues, order, perQueueLimit(max, queuesWithRows), max, now,
                    until, token);
        } catch (BrokerException e) {
            inDoubt.add(token);
            throw e;
        }
        List<Delivery> got = toDeliveries(rows, token, one ? null : order);
        if (!one && !got.isEmpty()) {
            queuesWithRows = (int) got.stream().map(Delivery::queue).distinct().count();
        }
        return got;
    }

    /**
     * Puts back what failed claims may have leased. A claim whose commit reached the server but whose reply
     * did not (the connection broke, or an embedded H2 host closed the database right after the statement)
     * leaves rows leased under a token no delivery carries; without this they would wait out the lease.
     * Tokens are random per claim, so no row a live delivery holds is touched. Kept for the next fetch while
     * the database is unreachable.
     */
    private void putBackInDoubt(long now) {
        List<Long> tokens = List.copyOf(inDoubt);
        try {
            int released = db.run("putting back rows of " + tokens.size() + " failed claim(s)", c -> {
                int n = 0;
                try (var ps = c.prepareStatement(db.sql.get("release_in_doubt"))) {
                    for (long token : tokens) {
                        ps.setLong(1, now);
                        ps.setLong(2, token);
                        n += ps.executeUpdate();
                    }
                }
                return n;
            });
            tokens.forEach(inDoubt::remove);
            if (released > 0) {
                log.info("put back {} message(s) leased by {} claim(s) that failed after reaching the database",
                        released, tokens.size());
                wakeUps.signalAll();
            }
        } catch (BrokerException e) {
            log.debug("rows of failed claims not put back yet: {}", e.getMessage());
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

    private static List<Delivery> toDeliveries(List<ClaimedRow> claimed, long token, List<String> queueOrder) {
        List<ClaimedRow> rows = new ArrayList<>(claimed);
        Comparator<ClaimedRow> inQueue = Comparator.comparingInt(ClaimedRow::priority).reversed()
                .thenComparingLong(ClaimedRow::runAt).thenComparingLong(ClaimedRow::id);
        rows.sort(inQueue);
        if (queueOrder != null) {
            rows = interleave(rows, queueOrder);
        }
        List<Delivery> out = new ArrayList<>(rows.size());
        for (ClaimedRow r : rows) {
            out.add(new Delivery(r.queue(), r.messageId(), r.payload(), r.deliveries(), Receipt.format(r.id(), token),
                    Instant.ofEpochMilli(r.runAt())));
        }
        return out;
    }

    private static List<ClaimedRow> interleave(List<ClaimedRow> sorted, List<String> queueOrder) {
        Map<String, List<ClaimedRow>> byQueue = new HashMap<>();
        for (ClaimedRow r : sorted) {
            byQueue.computeIfAbsent(r.queue(), q -> new ArrayList<>()).add(r);
        }
        List<ClaimedRow> out = new ArrayList<>(sorted.size());
        for (int rank = 0; out.size() < sorted.size(); rank++) {
            for (String q : queueOrder) {
                List<ClaimedRow> l = byQueue.get(q);
                if (l != null && rank < l.size()) {
                    out.add(l.get(rank));
                }
            }
        }
        return out;
    }
}
