package dev.tasks.worker.cli;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code tasks inspect}: counts per queue. */
@CommandLine.Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Shows, per queue, how many tasks are ready, delayed (countdown, eta, retry backoff),"
                + " in flight (leased by a worker) and dead.")
final class InspectCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = {"-Q", "--queues"}, split = ",", paramLabel = "QUEUE",
            converter = Converters.Queue.class, description = "Queues to show. Default: every queue the broker knows.")
    List<String> queues;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = brokerOptions.open(brokerOptions.config())) {
            List<String> names = queues != null ? queues : new ArrayList<>(new TreeSet<>(broker.queues()));
            if (names.isEmpty()) {
                out.println("no queues yet (" + broker.describe() + ")");
                out.flush();
                return ExitCodes.OK;
            }
            int width = "QUEUE".length();
            for (String q : names) {
                width = Math.max(width, q.length());
            }
            String format = "%-" + width + "s  %10s  %10s  %10s  %10s%n";
            out.printf(format, "QUEUE", "READY", "DELAYED", "IN-FLIGHT", "DEAD");
            for (String q : names) {
                QueueStats s = broker.stats(q);
                out.printf(format, q, s.ready(), s.delayed(), s.inFlight(), s.dead());
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
