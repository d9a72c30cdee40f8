package dev.tasks.reliability;

import dev.tasks.Brokers;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker URLs {@code drop-acks+<url>}: the broker of {@code <url>}, except that the acknowledgement of the
 * first delivery of a message whose payload contains {@value #MARK} is dropped while reporting success, and
 * logged as {@value #DROPPED}. A worker on it behaves, for that delivery, as one that died after its task
 * finished (the idempotency key marked done) and before its acknowledgement reached the broker: the message
 * is delivered again after its lease. Test class path only.
 */
public final class AckDroppingBrokerFactory implements BrokerFactory {
    static final String SCHEME = "drop-acks+";
    /** Text in a payload whose acknowledgements are dropped. */
    static final String MARK = "unacked-";
    /** Logged for each dropped acknowledgement. */
    static final String DROPPED = "dropped the acknowledgement of message";

    private static final Logger log = LoggerFactory.getLogger(AckDroppingBrokerFactory.class);

    @Override
    public List<String> schemes() {
        return List.of(SCHEME);
    }

    @Override
    public Broker create(BrokerSettings settings) {
        Broker inner = Brokers.open(
                new BrokerSettings(settings.url().substring(SCHEME.length()), settings.clock(), settings.options()));
        return new ForwardingBroker(inner) {
            @Override
            public void ack(Collection<Delivery> deliveries) {
                List<Delivery> kept = new ArrayList<>();
                for (Delivery d : deliveries) {
                    if (d.deliveryCount() == 1 && d.payload().contains(MARK)) {
                        log.info("{} {}", DROPPED, d.messageId());
                    } else {
                        kept.add(d);
                    }
                }
                if (!kept.isEmpty()) {
                    super.ack(kept);
                }
            }
        };
    }
}
