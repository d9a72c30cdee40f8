package dev.tasks.opentelemetry;

import dev.tasks.Brokers;
import dev.tasks.spi.Broker;
import java.util.UUID;

class InMemoryTracingTest extends TracingContractTest {
    private final String url = "memory://tracing-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    protected Broker openBroker() {
        return Brokers.open(url);
    }

    @Override
    protected String messagingSystem() {
        return "memory";
    }
}
