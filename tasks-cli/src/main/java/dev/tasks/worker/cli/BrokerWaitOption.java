package dev.tasks.worker.cli;

import dev.tasks.TasksConfig;
import java.time.Duration;
import picocli.CommandLine;

/**
 * The {@code --broker-wait} flag that every long-running command (worker, beat, dashboard) shares, as a
 * picocli mixin: one description, one resolution (the flag, then {@code tasks.broker.wait}, then a minute;
 * see {@link BrokerWait#resolve}).
 */
public final class BrokerWaitOption {

    @CommandLine.Option(names = "--broker-wait", paramLabel = "DURATION",
            description = "At start, how long to wait for an unreachable broker (retrying with backoff) before exiting"
                    + " with code 1; 0: do not wait. Default: 1m, or tasks.broker.wait.")
    String brokerWait;

    /** How long to wait for the broker at start. */
    public Duration resolve(TasksConfig config) {
        return BrokerWait.resolve(brokerWait, config);
    }
}
