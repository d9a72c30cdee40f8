package dev.tasks.benchmarks;

import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A broker that counts acknowledged deliveries (and optionally reports each one after its ack returned),
 * so a scenario knows when every task is done. Everything else is passed through unchanged; closing it
 * leaves the delegate open.
 */
final class CountingBroker extends ForwardingBroker {
    private final LongAdder acked = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private volatile Consumer<Delivery> onAcked;

    CountingBroker(Broker delegate) {
        super(delegate);
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
        delegate().ack(deliveries);
        acked.add(deliveries.size());
        Consumer<Delivery> l = onAcked;
        if (l != null) {
            deliveries.forEach(l);
        }
    }

    @Override
    public void deadLetter(Delivery delivery, String reason) {
        delegate().deadLetter(delivery, reason);
        deadLettered.increment();
    }

    @Override
    public void close() {}
}
