package dev.tasks.memory;

import dev.tasks.spi.Broker;
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
import dev.tasks.spi.support.BrokerArguments;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Broker} that keeps everything in this JVM's memory: for unit tests of applications and for
 * single-process use where losing queued tasks on exit is acceptable. It honours the whole broker contract
 * (leases and redelivery, delays, priorities, fair fetch across queues, dead letters, the stores) with
 * time taken from the {@link Clock} it is given, so a test can move a settable clock instead of waiting.
 *
 * <p>Semantics worth knowing:
 * <ul>
 *   <li>Order: among due messages of a queue, higher priority first, then earlier due time, then publish
 *       order. A redelivered message keeps its original due time, so it goes before newer ones.</li>
 *   <li>Every delivery gets a new receipt. A lease that ran out stays acknowledgeable (and extendable)
 *       until the message is delivered again; from then on the old receipt is stale and
 *       {@link #ack}, {@link #retry}, {@link #release}, {@link #deadLetter} ignore it and
 *       {@link #extendLeases} reports it lost.</li>
 *   <li>{@link Delivery#deliveryCount()} counts deliveries of the current payload: {@link #retry} and
 *       {@link #replayDeadLetters} start it again from zero, {@link #release} keeps it.</li>
 *   <li>A blocking {@link #fetch} waits on a condition that every publish, release, retry and replay
 *       signals, and otherwise sleeps until the next message falls due or lease runs out by the clock;
 *       it never spins. A settable clock moved by a test is seen by the next call, not by a caller that
 *       is already waiting.</li>
 * </ul>
 * Thread-safe: operations on queues are serialized by one lock; the stores use their own.
 * After {@link #close()} every operation throws {@link IllegalStateException}, and fetches waiting at
 * that moment return an empty list.
 */
public final class InMemoryBroker implements Broker {

    /** The shortest wait a blocking fetch sleeps for, so that rounding never turns it into a spin. */
    private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Clock clock;
    private final InMemoryWorkerDirectory workers;
    private final String name;
    private final Runnable onClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock:
    private final Map<String, MemoryQueue> queues = new HashMap<>();
    private final Map<String, StoredMessage> byReceipt = new HashMap<>();
    private long sequence;
    private long receipts;
    private int fairnessCursor;
    private volatile boolean closed;

    private final InMemoryIdempotencyStore idempotency;
    private final InMemoryLeaderLock leaderLock;
    private final InMemoryStateStore state;
    private final InMemoryResultStore results;
    private final InMemoryControlStore control;

    /**
     * A private broker (not shared through {@code memory://} URLs).
     *
     * @param clock the clock for leases, delays and the stores' expiry
     * @throws IllegalArgumentException if {@code clock} is null
     */
    public InMemoryBroker(Clock clock) {
        this(clock, null, () -> {});
    }

    InMemoryBroker(Clock clock, String name, Runnable onClose) {
        this.clock = BrokerArguments.notNull(clock, "clock");
        this.name = name;
        this.onClose = onClose;
        this.idempotency = new InMemoryIdempotencyStore(clock);
        this.leaderLock = new InMemoryLeaderLock(clock);
        this.state = new InMemoryStateStore(leaderLock);
        this.results = new InMemoryResultStore(clock);
        this.control = new InMemoryControlStore(clock);
        this.workers = new InMemoryWorkerDirectory(clock);
    }

    /** A private broker on the UTC system clock. */
    public static InMemoryBroker create() {
        return new InMemoryBroker(Clock.systemUTC());
    }

    /** The clock this broker reads time from. */
    public Clock clock() {
        return clock;
    }

    @Override
    public String describe() {
        return name == null ? "memory: (private instance)" : "memory://" + name;
    }

    @Override
    public void publish(List<OutboundMessage> messages) {
        BrokerArguments.messages(messages);
        if (messages.isEmpty()) {
            return;
        }
        lockedRun(() -> {
            Instant now = clock.instant();
            for (OutboundMessage m : messages) {
                Instant due = m.notBefore() == null ? now : m.notBefore();
                queue(m.queue()).addPending(new StoredMessage(m.queue(), m.id(), m.priority(), m.payload(), due, ++sequence));
            }
            changed.signalAll();
        });
    }

    @Override
    public List<Delivery> fetch(List<String> queueNames, int max, Duration lease, Duration wait) {
        List<String> names = BrokerArguments.fetch(queueNames, max, lease, wait);
        if (Thread.currentThread().isInterrupted()) {
            return List.of();
        }
        long waitNanos = Saturating.toNanosSaturated(wait);
        long start = System.nanoTime();
        return locked(() -> {
            while (true) {
                Instant now = clock.instant();
                List<Delivery> out = take(names, max, lease, now);
                if (!out.isEmpty()) {
                    return out;
                }
                long remaining = waitNanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    return List.of();
                }
                long sleep = Math.max(MIN_WAIT_NANOS, Math.min(remaining, nanosUntilNextEvent(names, now)));
                try {
                    changed.awaitNanos(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
                if (closed) {
                    return List.of();
                }
            }
        });
    }

    /** Leases up to {@code max} due messages, taking one from each queue in turn from a rotating start. */
    private List<Delivery> take(List<String> names, int max, Duration lease, Instant now) {
        List<MemoryQueue> candidates = new ArrayList<>(names.size());
        for (String n : names) {
            MemoryQueue q = queues.get(n);
            if (q != null) {
                q.reclaimExpired(now);
                candidates.add(q);
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        int first = Math.floorMod(fairnessCursor++, candidates.size());
        Instant leaseUntil = Saturating.plus(now, lease);
        List<Delivery> out = new ArrayList<>(Math.min(max, 64));
        boolean progress = true;
        while (progress && out.size() < max) {
            progress = false;
            for (int i = 0; i < candidates.size() && out.size() < max; i++) {
                MemoryQueue q = candidates.get((first + i) % candidates.size());
                StoredMessage m = q.pollDue(now);
                if (m != null) {
                    out.add(deliver(q, m, leaseUntil));
                    progress = true;
                }
            }
        }
        return out;
    }

    private Delivery deliver(MemoryQueue q, StoredMessage m, Instant leaseUntil) {
        if (m.receipt != null) {
            byReceipt.remove(m.receipt);
        }
        m.deliveryCount++;
        m.receipt = q.name + ":" + m.sequence + ":" + (++receipts);
        byReceipt.put(m.receipt, m);
        q.addLeased(m, leaseUntil);
        return new Delivery(q.name, m.messageId, m.payload, m.deliveryCount, m.receipt, m.dueAt);
    }

    private long nanosUntilNextEvent(List<String> names, Instant now) {
        Instant next = null;
        for (String n : names) {
            MemoryQueue q = queues.get(n);
            Instant e = q == null ? null : q.nextEventAfter(now);
            if (e != null && (next == null || e.isBefore(next))) {
                next = e;
            }
        }
        return next == null ? Long.MAX_VALUE : Saturating.toNanosSaturated(Duration.between(now, next));
    }

    @Override
    public void ack(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        lockedRun(() -> {
            for (Delivery d : deliveries) {
                StoredMessage m = byReceipt.remove(d.receipt());
                if (m != null) {
                    queues.get(m.queue).detach(m);
                }
            }
        });
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        BrokerArguments.retry(delivery, newPayload, delay);
        lockedRun(() -> {
            StoredMessage m = byReceipt.remove(delivery.receipt());
            if (m == null) {
                return;
            }
            MemoryQueue q = queues.get(m.queue);
            q.detach(m);
            Instant now = clock.instant();
            m.receipt = null;
            m.payload = newPayload;
            m.deliveryCount = 0;
            m.dueAt = Saturating.plus(now, delay);
            m.sequence = ++sequence;
            q.addPending(m);
            changed.signalAll();
        });
    }

    @Override
    public void release(Collection<Delivery> deliveries) {
        BrokerArguments.deliveries(deliveries);
        lockedRun(() -> {
            boolean any = false;
            for (Delivery d : deliveries) {
                StoredMessage m = byReceipt.remove(d.receipt());
                if (m != null) {
                    MemoryQueue q = queues.get(m.queue);
                    q.detach(m);
                    m.receipt = null;
                    q.addPending(m);
                    any = true;
                }
            }
            if (any) {
                changed.signalAll();
            }
        });
    }

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        BrokerArguments.deliveries(deliveries);
        BrokerArguments.lease(lease);
        return locked(() -> {
            Instant leaseUntil = Saturating.plus(clock.instant(), lease);
            Set<String> lost = new LinkedHashSet<>();
            for (Delivery d : deliveries) {
                StoredMessage m = byReceipt.get(d.receipt());
                if (m == null) {
                    lost.add(d.receipt());
                } else {
                    MemoryQueue q = queues.get(m.queue);
                    q.detach(m);
                    q.addLeased(m, leaseUntil);
                }
            }
            return Collections.unmodifiableSet(lost);
        });
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        BrokerArguments.deadLetter(delivery, reason);
        lockedRun(() -> {
            StoredMessage m = byReceipt.remove(delivery.receipt());
            if (m == null) {
                return;
            }
            MemoryQueue q = queues.get(m.queue);
            q.detach(m);
            String id = "dl-" + (++sequence);
            DeadLetter letter =
                    new DeadLetter(id, q.name, m.messageId, m.payload, reason, m.deliveryCount, clock.instant());
            q.dead.put(id, new MemoryQueue.DeadEntry(letter, m.priority));
        });
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return List.of();
            }
            List<DeadLetter> out = new ArrayList<>(Math.min(limit, q.dead.size()));
            for (MemoryQueue.DeadEntry e : q.dead.values()) {
                if (out.size() == limit) {
                    break;
                }
                out.add(e.letter());
            }
            return Collections.unmodifiableList(out);
        });
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        Queues.check(queue);
        BrokerArguments.noNulls(ids, "ids");
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return 0;
            }
            Instant now = clock.instant();
            Set<String> wanted = ids.isEmpty() ? null : Set.copyOf(ids);
            int replayed = 0;
            for (Iterator<MemoryQueue.DeadEntry> it = q.dead.values().iterator(); it.hasNext(); ) {
                MemoryQueue.DeadEntry e = it.next();
                if (wanted == null || wanted.contains(e.letter().id())) {
                    it.remove();
                    DeadLetter l = e.letter();
                    q.addPending(new StoredMessage(q.name, l.messageId(), e.priority(), l.payload(), now, ++sequence));
                    replayed++;
                }
            }
            if (replayed > 0) {
                changed.signalAll();
            }
            return replayed;
        });
    }

    @Override
    public long purgeDeadLetters(String queue) {
        Queues.check(queue);
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return 0L;
            }
            long n = q.dead.size();
            q.dead.clear();
            return n;
        });
    }

    /** Counts for one queue; in-flight counts leases that have not run out by the clock. */
    @Override
    public QueueStats stats(String queue) {
        Queues.check(queue);
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return new QueueStats(queue, 0, 0, 0, 0);
            }
            Instant now = clock.instant();
            q.reclaimExpired(now);
            long ready = q.countReady(now);
            return new QueueStats(queue, ready, q.countPending() - ready, q.countLeased(), q.dead.size());
        });
    }

    /** The names of every queue published to since this broker was created, sorted. */
    @Override
    public Set<String> queues() {
        return locked(() -> {
            return Collections.unmodifiableSet(new TreeSet<>(queues.keySet()));
        });
    }

    /** The queue's messages not due by the clock, soonest first, then in the order they were delayed. */
    @Override
    public List<DelayedMessage> delayed(String queue, int limit) {
        BrokerArguments.listing(queue, limit);
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return List.of();
            }
            List<DelayedMessage> out = new ArrayList<>();
            for (StoredMessage m : q.delayed(clock.instant(), limit)) {
                out.add(new DelayedMessage(m.messageId, m.queue, m.priority, m.dueAt, m.payload));
            }
            return Collections.unmodifiableList(out);
        });
    }

    /** Deletes the ready and delayed messages of a queue, including ones whose lease ran out; returns how many. */
    @Override
    public long purge(String queue) {
        Queues.check(queue);
        return locked(() -> {
            MemoryQueue q = queues.get(queue);
            if (q == null) {
                return 0L;
            }
            q.reclaimExpired(clock.instant());
            List<StoredMessage> removed = q.drainPending();
            for (StoredMessage m : removed) {
                if (m.receipt != null) {
                    byReceipt.remove(m.receipt);
                }
            }
            return (long) removed.size();
        });
    }

    @Override
    public IdempotencyStore idempotency() {
        ensureOpen();
        return idempotency;
    }

    @Override
    public LeaderLock leaderLock() {
        ensureOpen();
        return leaderLock;
    }

    @Override
    public StateStore state() {
        ensureOpen();
        return state;
    }

    @Override
    public ResultStore results() {
        ensureOpen();
        return results;
    }

    @Override
    public dev.tasks.spi.ControlStore control() {
        ensureOpen();
        return control;
    }

    @Override
    public java.util.Optional<dev.tasks.spi.WorkerDirectory> workers() {
        ensureOpen();
        return java.util.Optional.of(workers);
    }

    /**
     * Drops every message, wakes waiting fetches (they return an empty list) and, for an instance shared
     * through a {@code memory://} URL, removes it from the registry so that the URL opens a fresh one.
     * Safe to call twice.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queues.clear();
            byReceipt.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onClose.run();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "InMemoryBroker[" + describe() + (closed ? ", closed" : "") + "]";
    }

    private MemoryQueue queue(String queueName) {
        return queues.computeIfAbsent(queueName, MemoryQueue::new);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("in-memory broker " + describe() + " is closed; open a new one");
        }
    }

    /** For tests of this package: the number of receipts that are tracked. */
    int trackedReceipts() {
        lock.lock();
        try {
            return byReceipt.size();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code body} under the broker's lock, after checking the broker is open. */
    private <T> T locked(java.util.function.Supplier<T> body) {
        lock.lock();
        try {
            ensureOpen();
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #locked}, for a body without a result. */
    private void lockedRun(Runnable body) {
        locked(() -> {
            body.run();
            return null;
        });
    }

}
