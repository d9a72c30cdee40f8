package dev.tasks.worker;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Broker;
import java.time.Clock;

/** The worker contract on the in-memory broker. */
class InMemoryWorkerTest extends WorkerContractTest {
    @Override
    protected Broker createBroker() {
        return new InMemoryBroker(Clock.systemUTC());
    }
}
