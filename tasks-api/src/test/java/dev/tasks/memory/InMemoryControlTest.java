package dev.tasks.memory;

import dev.tasks.spi.Broker;
import dev.tasks.tck.ControlContractTest;
import java.time.Clock;

/** The control-store contract on the in-memory broker. */
class InMemoryControlTest extends ControlContractTest {
    @Override
    protected Broker createBroker() {
        return new InMemoryBroker(Clock.systemUTC());
    }
}
