package dev.tasks.beat;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;

/** Beat's contract on the in-memory broker. */
class InMemoryBeatTest extends BeatContractTest {
    @Override
    protected Broker newBroker(Clock clock) {
        return new InMemoryBroker(clock);
    }
}
