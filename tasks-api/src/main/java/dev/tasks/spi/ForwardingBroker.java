package dev.tasks.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A broker that passes every call to another one; subclass it to observe or change a few calls (counting,
 * fault injection, tracing) without repeating the rest. Thread-safe when the delegate is. {@link #close()}
 * closes the delegate; override it to keep the delegate open.
 */
public abstract class ForwardingBroker implements Broker {
    private final Broker delegate;

    /** Forwards to {@code delegate}. */
    protected ForwardingBroker(Broker delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The broker calls are passed to. */
    protected Broker delegate() {
        return delegate;
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
    public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
        return delegate.fetch(queues, max, lease, wait);
    }

    @Override
    public void ack(Collection<Delivery> deliveries) {
        delegate.ack(deliveries);
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
    public void deadLetter(Delivery delivery, String reason) {
        delegate.deadLetter(delivery, reason);
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
    public List<DelayedMessage> delayed(String queue, int limit) {
        return delegate.delayed(queue, limit);
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

    @Override
    public ControlStore control() {
        return delegate.control();
    }

    @Override
    public java.util.Optional<WorkerLayouts> layouts() {
        return delegate.layouts();
    }

    @Override
    public java.util.Optional<WorkerDirectory> workers() {
        return delegate.workers();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
