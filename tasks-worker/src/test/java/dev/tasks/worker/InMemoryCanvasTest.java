package dev.tasks.worker;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;

/** Workflows, revocation and limits on the in-memory broker (one broker shared by all "connections"). */
class InMemoryCanvasTest extends CanvasContractTest {
    private final InMemoryBroker shared = new InMemoryBroker(Clock.systemUTC());

    @Override
    protected Broker openBroker() {
        return shared;
    }
}
