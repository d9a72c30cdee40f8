package dev.tasks.worker.cli;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code tasks purge}: deletes a queue's ready and delayed tasks. */
@CommandLine.Command(name = "purge", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Deletes the ready and delayed tasks of queues (in-flight tasks and dead letters stay)."
                + " Refuses without --yes.")
final class PurgeCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = {"-Q", "--queues"}, split = ",", paramLabel = "QUEUE", required = true,
            converter = Converters.Queue.class, description = "Queues to purge, comma-separated.")
    List<String> queues;

    @CommandLine.Option(names = "--yes", description = "Confirm: the tasks are deleted for good.")
    boolean yes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = brokerOptions.open(brokerOptions.config())) {
            if (!yes) {
                StringBuilder sb = new StringBuilder("refusing to purge without --yes:");
                for (String q : queues) {
                    QueueStats s = broker.stats(q);
                    sb.append(" queue '").append(q).append("' has ").append(s.ready()).append(" ready and ")
                            .append(s.delayed()).append(" delayed task(s);");
                }
                throw new TasksCli.UsageException(sb.substring(0, sb.length() - 1));
            }
            for (String q : queues) {
                long n = broker.purge(q);
                out.println("purged " + n + " task(s) from queue '" + q + "'");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
