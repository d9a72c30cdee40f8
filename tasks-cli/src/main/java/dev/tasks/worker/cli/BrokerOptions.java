package dev.tasks.worker.cli;

import dev.tasks.Brokers;
import dev.tasks.TasksConfig;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.support.LogSafe;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The options every command shares to find its broker. */
final class BrokerOptions {
    private static final Logger log = LogSafe.logger(BrokerOptions.class);

    @CommandLine.Option(names = "--broker", paramLabel = "URL",
            description = "Broker URL (redis://, rediss://, jdbc:postgresql://, jdbc:h2:file:...). Default: "
                    + "TASKS_BROKER_URL, then tasks.broker.url in tasks.properties, then "
                    + Brokers.DEFAULT_URL + ". Put passwords in TASKS_BROKER_PASSWORD or "
                    + "TASKS_BROKER_PASSWORD_FILE, not here: the command line is visible to other users.")
    String brokerUrl;

    @CommandLine.Option(names = "--config", paramLabel = "FILE",
            description = "Properties file to read instead of ./tasks.properties (or TASKS_CONFIG).")
    Path configFile;

    /** The settings with this command's flags on top. */
    TasksConfig config() {
        TasksConfig.Builder b = TasksConfig.builder().set(TasksConfig.BROKER_URL, brokerUrl);
        if (configFile != null) {
            b.file(configFile);
        }
        return b.build();
    }

    /** Opens the broker; logs where the URL came from, without its password. */
    Broker open(TasksConfig config) {
        return open(config, Duration.ZERO);
    }

    /**
     * Opens the broker as {@link #open(TasksConfig)} does, retrying an unreachable broker for up to
     * {@code wait} (see {@link BrokerWait}).
     */
    Broker open(TasksConfig config, Duration wait) {
        if (BrokerSettings.carriesPassword(brokerUrl)) {
            log.warn("the --broker URL carries a password, which other users can see in the process list; use"
                    + " TASKS_BROKER_PASSWORD or TASKS_BROKER_PASSWORD_FILE instead");
        }
        log.debug("opening broker: {}", config.describe());
        return BrokerWait.open(() -> Brokers.open(config.brokerSettings(Clock.systemUTC())), wait, Clock.systemUTC());
    }
}
