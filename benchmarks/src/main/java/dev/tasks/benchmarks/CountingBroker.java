package dev.tasks.benchmarks;

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
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A broker that counts acknowledged deliveries (and optionally reports each one after its ack returned),
 * so a scenario knows when every task is done. Everything else is passed through unchanged.
 */
final class CountingBroker implements Broker {
    private final Broker delegate;
    private final LongAdder acked = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private volatile Consumer<Delivery> onAcked;

    CountingBroker(Broker delegate) {
        this.delegate = delegate;
    }

    long acked() {
        return acked.sum();
    }

    long deadLettered() {
        return deadLettered.sum();
    }

    void onAcked(Consumer<Delivery> listener) {
        this.onAcked = listener;
    }

    @Override
    public void ack(Collection<Delivery> deliveries) {
        delegate.ack(deliveries);
        acked.add(deliveries.size());
        Consumer<Delivery> l = onAcked;
        if (l != null) {
            deliveries.forEach(l);
        }
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        delegate.deadLetter(delivery, reason);
        deadLettered.increment();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void publish(List<OutboundMessage> messages) {
        delegate.publish(messages);
    }

    @Override
    public void publish(OutboundMessage message) {
        delegate.publish(message);
    }

    @Override
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        return delegate.fetch(queues, max, lease, wait);
    }

    @Override
    public void retry(Delivery delivery, String newPayload, Duration delay) {
        delegate.retry(delivery, newPayload, delay);
    }

    @Override
    public void release(Collection<Delivery> deliveries) {
        delegate.release(deliveries);
    }

    @Override
    public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
        return delegate.extendLeases(deliveries, lease);
    }

    @Override
    public List<DeadLetter> deadLetters(String queue, int limit) {
        return delegate.deadLetters(queue, limit);
    }

    @Override
    public int replayDeadLetters(String queue, Collection<String> ids) {
        return delegate.replayDeadLetters(queue, ids);
    }

    @Override
    public long purgeDeadLetters(String queue) {
        return delegate.purgeDeadLetters(queue);
    }

    @Override
    public QueueStats stats(String queue) {
        return delegate.stats(queue);
    }

    @Override
    public Set<String> queues() {
        return delegate.queues();
    }

    @Override
    public long purge(String queue) {
        return delegate.purge(queue);
    }

    @Override
    public IdempotencyStore idempotency() {
        return delegate.idempotency();
    }

    @Override
    public LeaderLock leaderLock() {
        return delegate.leaderLock();
    }

    @Override
    public StateStore state() {
        return delegate.state();
    }

    @Override
    public ResultStore results() {
        return delegate.results();
    }

    /** Does not close the delegate: the target owns it. */
    @Override
    public void close() {}
}
