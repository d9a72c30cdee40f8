package dev.tasks.spi.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.EnqueueException;
import dev.tasks.TaskDefinition;
import dev.tasks.Workflow;
import dev.tasks.message.Envelope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The wire form of workflows and how they start. Internal: shared by the client (which freezes a
 * {@link Workflow} into JSON nodes with every task id assigned up front) and the worker (which starts the
 * next part when a task succeeds).
 *
 * <p>Node forms (JSON objects, field {@code t} says which):
 * <ul>
 *   <li>{@code {"t":"task","id","task","args","queue","priority","countdown","eta","expires","headers","key",
 *       "parent","chord"}}: one call; {@code countdown} is milliseconds after its start, {@code eta} and
 *       {@code expires} epoch milliseconds; {@code parent} (optional boolean) says whether the previous
 *       result is prepended to its arguments; {@code chord} (optional) is the chord it reports to.</li>
 *   <li>{@code {"t":"chain","steps":[node...]}}: only the last step may be a group or chord.</li>
 *   <li>{@code {"t":"group","id","members":[node...]}}</li>
 *   <li>{@code {"t":"chord","id","members":[node...],"callback":node}}</li>
 * </ul>
 * A chord attachment is {@code {"id","index","size","callback":node}}.
 */
public final class Workflows {
    /** Idempotency key prefix of tasks started by a worker as part of a workflow. */
    public static final String KEY_PREFIX = "wf:";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Workflows() {}

    /** What the start of a node needs from its caller. */
    public interface StartContext {
        /** The current time. */
        Instant now();

        /** The definition of a task name, if known here. */
        Optional<TaskDefinition> find(String taskName);

        /** The id of the task that starts this part (null from the client). */
        String parentId();

        /** The id of the workflow's root task (null from the client). */
        String rootId();

        /** Whether a worker starts this part (then every task gets an idempotency key from its id). */
        boolean continuation();
    }

    // ------------------------------------------------------------------------------------------------ freeze

    /**
     * Turns a workflow into its wire form, with every task id assigned.
     *
     * @param taskSpec makes the node of one call (with {@code t}, {@code id} and the resolved options)
     * @param ids new workflow ids (for groups and chords)
     */
    public static ObjectNode freeze(Workflow w, Function<dev.tasks.Signature, ObjectNode> taskSpec, Supplier<String> ids) {
        return switch (w.kind()) {
            case TASK -> taskSpec.apply(w.signature());
            case CHAIN -> {
                ObjectNode n = F.objectNode().put("t", "chain");
                ArrayNode steps = n.putArray("steps");
                for (Workflow c : w.children()) {
                    steps.add(freeze(c, taskSpec, ids));
                }
                yield n;
            }
            case GROUP -> {
                ObjectNode n = F.objectNode().put("t", "group").put("id", ids.get());
                ArrayNode members = n.putArray("members");
                for (Workflow c : w.children()) {
                    members.add(freeze(c, taskSpec, ids));
                }
                yield n;
            }
            case CHORD -> {
                String id = ids.get();
                ObjectNode callback = freeze(w.callback(), taskSpec, ids);
                ObjectNode n = F.objectNode().put("t", "chord").put("id", id);
                ArrayNode members = n.putArray("members");
                int size = w.children().size();
                for (int i = 0; i < size; i++) {
                    ObjectNode m = freeze(w.children().get(i), taskSpec, ids);
                    ObjectNode attachment = F.objectNode().put("id", id).put("index", i).put("size", size);
                    attachment.set("callback", callback);
                    attach(m, attachment);
                    members.add(m);
                }
                n.set("callback", callback);
                yield n;
            }
        };
    }

    private static void attach(ObjectNode node, ObjectNode attachment) {
        switch (node.path("t").asText()) {
            case "task" -> node.set("chord", attachment);
            case "chain" -> {
                ArrayNode steps = (ArrayNode) node.get("steps");
                attach((ObjectNode) steps.get(steps.size() - 1), attachment);
            }
            case "chord" -> attach((ObjectNode) node.get("callback"), attachment);
            default -> throw new IllegalArgumentException("a chord member cannot end in a group (its result would be"
                    + " several values); make that group a chord, or flatten it into the chord's members");
        }
    }

    // ------------------------------------------------------------------------------------------------- start

    /**
     * The messages that start {@code node}: the first task of a chain (carrying the rest as its link), every
     * member of a group or chord.
     *
     * @param parentResult the previous result (passed to tasks that ask for it), or null at the start
     * @throws EnqueueException when a task asks for a previous result at the very start of a workflow
     */
    public static List<Envelope> start(JsonNode node, JsonNode parentResult, StartContext ctx) {
        List<Envelope> out = new ArrayList<>();
        start(node, parentResult, ctx, out);
        return out;
    }

    private static void start(JsonNode node, JsonNode parentResult, StartContext ctx, List<Envelope> out) {
        switch (node.path("t").asText()) {
            case "task" -> out.add(envelope(node, parentResult, null, ctx));
            case "chain" -> {
                JsonNode steps = node.get("steps");
                if (steps.size() == 1) {
                    start(steps.get(0), parentResult, ctx, out);
                    return;
                }
                ArrayNode rest = F.arrayNode();
                for (int i = 1; i < steps.size(); i++) {
                    rest.add(steps.get(i));
                }
                JsonNode link = rest.size() == 1 ? rest.get(0) : F.objectNode().put("t", "chain").set("steps", rest);
                out.add(envelope(steps.get(0), parentResult, link, ctx));
            }
            case "group", "chord" -> {
                for (JsonNode m : node.get("members")) {
                    start(m, parentResult, ctx, out);
                }
            }
            default -> throw new IllegalArgumentException("unknown workflow node type '" + node.path("t").asText() + "'");
        }
    }

    private static Envelope envelope(JsonNode n, JsonNode parentResult, JsonNode link, StartContext ctx) {
        String id = n.get("id").asText();
        String name = n.get("task").asText();
        ArrayNode args = n.get("args") instanceof ArrayNode a ? a.deepCopy() : F.arrayNode();
        if (passesResult(n, args.size(), ctx)) {
            if (parentResult == null) {
                throw new EnqueueException(name, "task " + name + " takes the previous result as its first argument,"
                        + " but it starts its workflow; give it all its arguments or put it after another step");
            }
            args.insert(0, parentResult);
        }
        Instant now = ctx.now();
        Instant eta = n.hasNonNull("eta") ? Instant.ofEpochMilli(n.get("eta").asLong())
                : n.hasNonNull("countdown") ? now.plusMillis(n.get("countdown").asLong()) : null;
        Map<String, String> headers = new HashMap<>();
        JsonNode h = n.get("headers");
        if (h != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                headers.put(e.getKey(), e.getValue().asText());
            }
        }
        String key = n.hasNonNull("key") ? n.get("key").asText() : ctx.continuation() ? KEY_PREFIX + id : null;
        return Envelope.builder(id, name)
                .args(args)
                .queue(n.path("queue").asText(null))
                .eta(eta)
                .expires(n.hasNonNull("expires") ? Instant.ofEpochMilli(n.get("expires").asLong()) : null)
                .priority(n.path("priority").asInt(dev.tasks.Priority.DEFAULT))
                .idempotencyKey(key)
                .headers(headers)
                .parentId(ctx.parentId())
                .rootId(ctx.rootId())
                .createdAt(now)
                .link(link)
                .chord(n.get("chord"))
                .storeResult(Boolean.TRUE)
                .build();
    }

    private static boolean passesResult(JsonNode n, int argCount, StartContext ctx) {
        JsonNode p = n.get("parent");
        if (p != null && p.isBoolean()) {
            return p.asBoolean();
        }
        return ctx.find(n.get("task").asText()).map(d -> d.parameterTypes().size() == argCount + 1).orElse(false);
    }

    // ------------------------------------------------------------------------------------------ inspection

    /** The task nodes whose results are the node's result: one, or several for a group. */
    public static List<JsonNode> tails(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        tails(node, out);
        return out;
    }

    private static void tails(JsonNode node, List<JsonNode> out) {
        switch (node.path("t").asText()) {
            case "task" -> out.add(node);
            case "chain" -> tails(node.get("steps").get(node.get("steps").size() - 1), out);
            case "group" -> node.get("members").forEach(m -> tails(m, out));
            case "chord" -> tails(node.get("callback"), out);
            default -> { }
        }
    }

    /** Whether the node's result is a list of several results (it ends in a group). */
    public static boolean isList(JsonNode node) {
        return switch (node.path("t").asText()) {
            case "chain" -> isList(node.get("steps").get(node.get("steps").size() - 1));
            case "group" -> true;
            case "chord" -> isList(node.get("callback"));
            default -> false;
        };
    }

    /**
     * Every task node in {@code node}, including chord callbacks reached through members' attachments
     * (each once). With {@code followAttachment}, a task's own chord attachment (and its callback) is
     * included: used to find what will never run when that task fails.
     */
    public static List<JsonNode> tasks(JsonNode node, boolean followAttachment) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        tasks(node, followAttachment, out);
        return new ArrayList<>(out.values());
    }

    private static void tasks(JsonNode node, boolean followAttachment, Map<String, JsonNode> out) {
        if (node == null || node.isNull()) {
            return;
        }
        switch (node.path("t").asText()) {
            case "task" -> {
                if (out.putIfAbsent(node.get("id").asText(), node) == null && followAttachment
                        && node.hasNonNull("chord")) {
                    tasks(node.get("chord").get("callback"), true, out);
                }
            }
            case "chain" -> node.get("steps").forEach(s -> tasks(s, followAttachment, out));
            case "group" -> node.get("members").forEach(m -> tasks(m, followAttachment, out));
            case "chord" -> {
                node.get("members").forEach(m -> tasks(m, false, out));
                tasks(node.get("callback"), followAttachment, out);
            }
            default -> { }
        }
    }

    /**
     * The tasks that will never run because the task of {@code envelope} ended without success: its link
     * and, through its chord attachment, the chord's callback (and everything after those).
     */
    public static List<JsonNode> downstream(Envelope envelope) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        if (envelope.link() != null) {
            tasks(envelope.link(), true, out);
        }
        if (envelope.chord() != null && envelope.chord().hasNonNull("callback")) {
            tasks(envelope.chord().get("callback"), true, out);
        }
        return new ArrayList<>(out.values());
    }
}
