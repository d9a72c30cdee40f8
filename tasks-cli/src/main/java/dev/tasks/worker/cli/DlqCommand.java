package dev.tasks.worker.cli;

import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code tasks dlq}: dead letters of a queue. */
@CommandLine.Command(name = "dlq", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists, replays or purges the dead letters of a queue.",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ReplayCommand.class, DlqCommand.PurgeDeadCommand.class})
final class DlqCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, replay or purge");
    }

    /** {@code tasks dlq list}. */
    @CommandLine.Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Lists dead letters, oldest first: id, task id, when, deliveries, reason.")
    static final class ListCommand implements Callable<Integer> {
        @CommandLine.Mixin
        BrokerOptions brokerOptions;

        @CommandLine.Option(names = {"-Q", "--queue"}, paramLabel = "QUEUE", required = true,
                converter = Converters.Queue.class, description = "The queue.")
        String queue;

        @CommandLine.Option(names = "--limit", paramLabel = "N", defaultValue = "100",
                description = "At most this many (default: ${DEFAULT-VALUE}).")
        int limit;

        @CommandLine.Option(names = "--payload", description = "Also print each raw payload.")
        boolean payload;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1, was " + limit);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Broker broker = brokerOptions.open(brokerOptions.config())) {
                List<DeadLetter> letters = broker.deadLetters(queue, limit);
                if (letters.isEmpty()) {
                    out.println("no dead letters in queue '" + queue + "'");
                }
                for (DeadLetter d : letters) {
                    // a dead letter's text came from a message: escaped, so it cannot drive the terminal
                    out.println(d.id() + "  task=" + (d.messageId() == null ? "-" : LogSafe.escape(d.messageId()))
                            + "  dead=" + d.deadAt() + "  deliveries=" + d.deliveryCount() + "  reason="
                            + LogSafe.escape(d.reason()));
                    if (payload) {
                        out.println("    payload: " + LogSafe.escape(d.payload(), Integer.MAX_VALUE));
                    }
                }
                out.flush();
                return ExitCodes.OK;
            }
        }
    }

    /** {@code tasks dlq replay}. */
    @CommandLine.Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Puts dead letters back on their queue, due at once: those given with --id, or all.")
    static final class ReplayCommand implements Callable<Integer> {
        @CommandLine.Mixin
        BrokerOptions brokerOptions;

        @CommandLine.Option(names = {"-Q", "--queue"}, paramLabel = "QUEUE", required = true,
                converter = Converters.Queue.class, description = "The queue.")
        String queue;

        @CommandLine.Option(names = "--id", paramLabel = "ID", split = ",",
                description = "Dead-letter ids (from 'tasks dlq list'). Default: all of the queue's.")
        List<String> ids;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Broker broker = brokerOptions.open(brokerOptions.config())) {
                int n = broker.replayDeadLetters(queue, ids == null ? List.of() : ids);
                out.println("replayed " + n + " dead letter(s) to queue '" + queue + "'");
                out.flush();
                return ExitCodes.OK;
            }
        }
    }

    /** {@code tasks dlq purge}. */
    @CommandLine.Command(name = "purge", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Deletes a queue's dead letters for good. Refuses without --yes.")
    static final class PurgeDeadCommand implements Callable<Integer> {
        @CommandLine.Mixin
        BrokerOptions brokerOptions;

        @CommandLine.Option(names = {"-Q", "--queue"}, paramLabel = "QUEUE", required = true,
                converter = Converters.Queue.class, description = "The queue.")
        String queue;

        @CommandLine.Option(names = "--yes", description = "Confirm: the dead letters are deleted for good.")
        boolean yes;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Broker broker = brokerOptions.open(brokerOptions.config())) {
                if (!yes) {
                    throw new TasksCli.UsageException("refusing to purge the " + broker.stats(queue).dead()
                            + " dead letter(s) of queue '" + queue + "' without --yes");
                }
                long n = broker.purgeDeadLetters(queue);
                out.println("purged " + n + " dead letter(s) from queue '" + queue + "'");
                out.flush();
                return ExitCodes.OK;
            }
        }
    }
}
