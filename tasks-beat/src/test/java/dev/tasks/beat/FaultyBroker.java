package dev.tasks.beat;

import dev.tasks.BrokerException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.StateStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One process's view of a shared broker, with faults a test switches on: a network partition (every call
 * fails), a leader lock whose renewals "succeed" without reaching the broker (a leader that believes it
 * still holds a lease that expired, as after a long pause), or a pause right after the beat recorded a slot
 * it is about to enqueue.
 */
final class FaultyBroker implements Broker {
    enum Mode { HEALTHY, PARTITIONED, RENEW_WITHOUT_BROKER }

    private final Broker delegate;
    private volatile Mode mode = Mode.HEALTHY;
    private final AtomicReference<Runnable> afterPendingWrite = new AtomicReference<>();

    FaultyBroker(Broker delegate) {
        this.delegate = delegate;
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    /**
     * Runs {@code pause} once, on the beat's thread, right after its next successful fenced write of a slot
     * it is about to enqueue (a value ending in {@code " pending"}): what happens there happens while the
     * beat is "paused" between recording and enqueueing.
     */
    void pauseAfterNextPendingWrite(Runnable pause) {
        afterPendingWrite.set(pause);
    }

    private void check() {
        if (mode == Mode.PARTITIONED) {
            throw new BrokerException("broker unreachable (test partition)");
        }
    }

    @Override public String describe() { return "faulty(" + delegate.describe() + ")"; }
    @Override public void publish(List<OutboundMessage> messages) { check(); delegate.publish(messages); }
    @Override public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        check();
        return delegate.fetch(queues, max, lease, wait);
    }
    @Override public void ack(Collection<Delivery> deliveries) { check(); delegate.ack(deliveries); }
    @Override public void retry(Delivery delivery, String newPayload, Duration delay) {
        check();
        delegate.retry(delivery, newPayload, delay);
    }
    @Override public void release(Collection<Delivery> deliveries) { check(); delegate.release(deliveries); }
    @Override public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        check();
        return delegate.extendLeases(deliveries, lease);
    }
    @Override public void deadLetter(Delivery delivery, String reason) { check(); delegate.deadLetter(delivery, reason); }
    @Override public List<DeadLetter> deadLetters(String queue, int limit) { check(); return delegate.deadLetters(queue, limit); }
    @Override public int replayDeadLetters(String queue, Collection<String> ids) {
        check();
        return delegate.replayDeadLetters(queue, ids);
    }
    @Override public long purgeDeadLetters(String queue) { check(); return delegate.purgeDeadLetters(queue); }
    @Override public QueueStats stats(String queue) { check(); return delegate.stats(queue); }
    @Override public Set<String> queues() { check(); return delegate.queues(); }
    @Override public long purge(String queue) { check(); return delegate.purge(queue); }
    @Override public IdempotencyStore idempotency() { return delegate.idempotency(); }
    @Override public ResultStore results() { return delegate.results(); }

    @Override
    public LeaderLock leaderLock() {
        LeaderLock lock = delegate.leaderLock();
        return new LeaderLock() {
            @Override
            public Optional<LockLease> tryAcquire(String name, String owner, Duration ttl) {
                check();
                return lock.tryAcquire(name, owner, ttl);
            }

            @Override
            public boolean renew(LockLease lease, Duration ttl) {
                check();
                return mode == Mode.RENEW_WITHOUT_BROKER || lock.renew(lease, ttl);
            }

            @Override
            public void release(LockLease lease) {
                check();
                lock.release(lease);
            }
        };
    }

    @Override
    public StateStore state() {
        StateStore state = delegate.state();
        return new StateStore() {
            @Override
            public Optional<String> get(String key) {
                check();
                return state.get(key);
            }

            @Override
            public boolean putFenced(String key, String value, LeaderLock.LockLease lease) {
                check();
                boolean written = state.putFenced(key, value, lease);
                Runnable pause = written && value.endsWith(" pending") ? afterPendingWrite.getAndSet(null) : null;
                if (pause != null) {
                    pause.run();
                }
                return written;
            }
        };
    }

    @Override public void close() {}
}
