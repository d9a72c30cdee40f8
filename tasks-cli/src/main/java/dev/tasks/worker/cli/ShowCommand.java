package dev.tasks.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.support.LogSafe;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * {@code tasks show ID}: what the broker's stores know of one task. From the result store: its name, state,
 * when that was recorded, its result and its error (kept for the result time to live; a task whose method
 * returns nothing has a record only once it failed or expired). From the revocations: whether it is revoked.
 * From the dead letters (the oldest {@value #DEAD_LETTER_SCAN} of each queue, or of {@code -Q}): its queue,
 * runs, creation time, deliveries and the reason. Where no store knows the id it prints one line on stderr
 * and exits 1. Text from messages is printed with control characters escaped.
 */
@CommandLine.Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Shows what the broker knows of one task: name, state and when it was recorded, result, error,"
                + " whether it is revoked, and, when it was dead-lettered, its queue, runs, deliveries and reason.",
            "States and results are kept for their time to live (1 day by default); a task whose method returns"
                + " nothing is recorded only once it failed or expired. Exit code 1 when nothing is known of the id."})
final class ShowCommand implements Callable<Integer> {
    /** How many dead letters of each queue are searched for the task, oldest first. */
    static final int DEAD_LETTER_SCAN = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Parameters(index = "0", paramLabel = "ID", description = "The task id.")
    String id;

    @CommandLine.Option(names = {"-Q", "--queues"}, split = ",", paramLabel = "QUEUE",
            converter = Converters.Queue.class,
            description = "Queues whose dead letters are searched for the task. Default: every queue the broker knows.")
    List<String> queues;

    @CommandLine.Option(names = "--json", description = "Print one JSON object instead of lines of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Everything found about the task; any part may be missing. */
    private record Found(Optional<StoredResult> result, Boolean revoked, Boolean terminate, DeadLetter deadLetter,
            Envelope deadEnvelope) {
        boolean anything() {
            return result.isPresent() || Boolean.TRUE.equals(revoked) || deadLetter != null;
        }
    }

    @Override
    public Integer call() {
        if (id.isBlank()) {
            throw new TasksCli.UsageException("task id must not be empty");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = brokerOptions.open(brokerOptions.config())) {
            Found f = find(broker);
            if (!f.anything()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println(spec.qualifiedName() + ": no record of task '" + LogSafe.escape(id) + "' on "
                        + broker.describe() + " (an unknown id, a task whose record expired, or one that returns"
                        + " nothing and has not failed)");
                err.flush();
                return ExitCodes.RUNTIME_ERROR;
            }
            out.println(json ? json(f) : text(f));
            out.flush();
            return ExitCodes.OK;
        }
    }

    private Found find(Broker broker) {
        Optional<StoredResult> result = broker.results().get(id);
        Boolean revoked = null;
        Boolean terminate = null;
        try {
            Map<String, Boolean> r = broker.control().revoked(List.of(id));
            revoked = r.containsKey(id);
            terminate = r.get(id);
        } catch (UnsupportedOperationException e) {
            // this broker keeps no revocations: shown as unknown
        }
        List<String> names = queues != null ? queues : new ArrayList<>(new TreeSet<>(broker.queues()));
        for (String q : names) {
            for (DeadLetter d : broker.deadLetters(q, DEAD_LETTER_SCAN)) {
                if (id.equals(d.messageId())) {
                    Envelope e = null;
                    try {
                        e = EnvelopeCodec.json().decode(d.payload());
                    } catch (RuntimeException malformed) {
                        // a malformed payload still has its dead letter shown, without the envelope's fields
                    }
                    return new Found(result, revoked, terminate, d, e);
                }
            }
        }
        return new Found(result, revoked, terminate, null, null);
    }

    private String text(Found f) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"id", LogSafe.escape(id)});
        f.result().ifPresent(r -> {
            rows.add(new String[] {"name", LogSafe.escape(r.taskName())});
            rows.add(new String[] {"state", r.state().name()});
            rows.add(new String[] {"recorded", r.updatedAt().toString()});
            if (r.value() != null) {
                rows.add(new String[] {"result", LogSafe.escape(r.value(), Integer.MAX_VALUE)});
            }
            if (r.error() != null) {
                rows.add(new String[] {"error", LogSafe.escape(r.error(), Integer.MAX_VALUE)});
            }
        });
        if (f.result().isEmpty()) {
            rows.add(new String[] {"state", "no state recorded"});
        }
        rows.add(new String[] {"revoked", f.revoked() == null ? "unknown (this broker keeps no revocations)"
                : f.revoked() ? (Boolean.TRUE.equals(f.terminate()) ? "yes, with --terminate" : "yes") : "no"});
        DeadLetter d = f.deadLetter();
        if (d != null) {
            Envelope e = f.deadEnvelope();
            if (f.result().isEmpty() && e != null) {
                rows.add(1, new String[] {"name", LogSafe.escape(e.task())});
            }
            rows.add(new String[] {"queue", LogSafe.escape(d.queue())});
            if (e != null) {
                rows.add(new String[] {"runs", Integer.toString(e.attempt() + 1)});
                if (e.createdAt() != null) {
                    rows.add(new String[] {"created", e.createdAt().toString()});
                }
            }
            rows.add(new String[] {"dead letter", LogSafe.escape(d.id()) + " (deliveries " + d.deliveryCount() + ", at "
                    + d.deadAt() + ")"});
            rows.add(new String[] {"reason", LogSafe.escape(d.reason(), Integer.MAX_VALUE)});
        }
        int width = 0;
        for (String[] row : rows) {
            width = Math.max(width, row[0].length());
        }
        StringBuilder b = new StringBuilder();
        for (String[] row : rows) {
            if (b.length() > 0) {
                b.append(System.lineSeparator());
            }
            b.append(row[0]).append(':').append(" ".repeat(width - row[0].length() + 2)).append(row[1]);
        }
        return b.toString();
    }

    private String json(Found f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        if (f.result().isPresent()) {
            StoredResult r = f.result().get();
            n.put("name", r.taskName()).put("state", r.state().name()).put("recorded", r.updatedAt().toString());
            if (r.value() != null) {
                n.set("result", value(r.value()));
            } else {
                n.putNull("result");
            }
            n.put("error", r.error());
        } else {
            n.put("name", f.deadEnvelope() == null ? null : f.deadEnvelope().task());
            n.putNull("state").putNull("recorded").putNull("result").putNull("error");
        }
        if (f.revoked() == null) {
            n.putNull("revoked");
        } else {
            n.put("revoked", f.revoked());
        }
        DeadLetter d = f.deadLetter();
        if (d == null) {
            n.putNull("deadLetter");
        } else {
            ObjectNode dn = n.putObject("deadLetter");
            dn.put("id", d.id()).put("queue", d.queue()).put("deadAt", d.deadAt().toString())
                    .put("deliveries", d.deliveryCount()).put("reason", d.reason());
            Envelope e = f.deadEnvelope();
            if (e != null) {
                dn.put("runs", e.attempt() + 1).put("created", e.createdAt() == null ? null : e.createdAt().toString());
            }
        }
        return n.toString();
    }

    /** The stored JSON value as JSON; as a string when it does not parse. */
    private static JsonNode value(String stored) {
        try {
            return JSON.readTree(stored);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(stored);
        }
    }
}
