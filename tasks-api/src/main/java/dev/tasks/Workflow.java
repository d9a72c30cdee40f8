package dev.tasks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A composition of task calls, started with {@link Tasks#apply(Workflow)}. Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@link #chain chain(a, b, c)}: each runs after the previous one succeeded. A step whose task
 *       method takes one more parameter than its signature gives receives the previous step's result as
 *       its first argument. A failure stops the chain; the steps not run are recorded as
 *       {@link TaskState#FAILURE} naming the step that failed, so the chain's handle reports it.</li>
 *   <li>{@link #group group(a, b, c)}: all run in parallel; the result is the list of their results.</li>
 *   <li>{@link #chord chord(group, callback)}: the callback runs exactly once, after every member
 *       succeeded, with the list of their results (in member order) as its first argument. The members'
 *       completions are counted in the broker, atomically and once per member, so neither members
 *       finishing together on several workers nor a worker dying between finishing a member and counting
 *       it can run the callback twice or never. A member that fails for good fails the callback.</li>
 * </ul>
 * Workflows nest: a chain may hold groups and chords, a group may hold chains and chords, and so on.
 * Nested chains are flattened into their chain, nested groups into their group; a group followed by more
 * steps in a chain becomes a chord whose callback is the rest of the chain (as in Celery). The links
 * travel in the task messages themselves, so a workflow survives worker restarts.
 */
public final class Workflow {

    /** What a workflow node is. */
    public enum Kind {
        /** One task call. */
        TASK,
        /** Steps run one after the other. */
        CHAIN,
        /** Members run in parallel. */
        GROUP,
        /** A group whose results go to a callback. */
        CHORD
    }

    private final Kind kind;
    private final Signature signature;
    private final List<Workflow> children;
    private final Workflow callback;

    private Workflow(Kind kind, Signature signature, List<Workflow> children, Workflow callback) {
        this.kind = kind;
        this.signature = signature;
        this.children = List.copyOf(children);
        this.callback = callback;
    }

    /** A workflow of one task call. */
    public static Workflow of(Signature signature) {
        return new Workflow(Kind.TASK, Objects.requireNonNull(signature, "signature"), List.of(), null);
    }

    /** A chain of task calls. See the class description. */
    public static Workflow chain(Signature... steps) {
        return chain(wrap(steps));
    }

    /** A chain of workflows. See the class description. */
    public static Workflow chain(Workflow... steps) {
        return chain(Arrays.asList(Objects.requireNonNull(steps, "steps")));
    }

    /**
     * A chain of workflows.
     *
     * @throws IllegalArgumentException when {@code steps} is empty or holds null
     */
    public static Workflow chain(List<Workflow> steps) {
        List<Workflow> flat = new ArrayList<>();
        for (Workflow w : nonEmpty(steps, "chain")) {
            if (w.kind == Kind.CHAIN) {
                flat.addAll(w.children);
            } else {
                flat.add(w);
            }
        }
        // A group or chord followed by more steps: the rest of the chain becomes a chord callback.
        for (int i = 0; i < flat.size() - 1; i++) {
            Workflow w = flat.get(i);
            if (w.kind == Kind.GROUP || w.kind == Kind.CHORD) {
                Workflow rest = chain(flat.subList(i + 1, flat.size()));
                Workflow joined = w.kind == Kind.GROUP ? chord(w, rest) : chord(w.children, chain(w.callback, rest));
                List<Workflow> head = new ArrayList<>(flat.subList(0, i));
                head.add(joined);
                flat = head;
                break;
            }
        }
        return flat.size() == 1 ? flat.get(0) : new Workflow(Kind.CHAIN, null, flat, null);
    }

    /** A group of task calls run in parallel. */
    public static Workflow group(Signature... members) {
        return group(wrap(members));
    }

    /** A group of workflows run in parallel. */
    public static Workflow group(Workflow... members) {
        return group(Arrays.asList(Objects.requireNonNull(members, "members")));
    }

    /**
     * A group of workflows run in parallel; nested groups are flattened into it.
     *
     * @throws IllegalArgumentException when {@code members} is empty or holds null
     */
    public static Workflow group(List<Workflow> members) {
        List<Workflow> flat = new ArrayList<>();
        for (Workflow w : nonEmpty(members, "group")) {
            if (w.kind == Kind.GROUP) {
                flat.addAll(w.children);
            } else {
                flat.add(w);
            }
        }
        return new Workflow(Kind.GROUP, null, flat, null);
    }

    /** A chord: {@code callback} runs once with the results of the members of {@code header}. */
    public static Workflow chord(Workflow header, Signature callback) {
        return chord(header, of(callback));
    }

    /**
     * A chord: {@code callback} runs once with the list of the results of {@code header}'s members (a
     * group; any other workflow counts as a group of one).
     */
    public static Workflow chord(Workflow header, Workflow callback) {
        Objects.requireNonNull(header, "header");
        return chord(header.kind == Kind.GROUP ? header.children : List.of(header), callback);
    }

    /** A chord of task calls: {@code callback} runs once with the list of their results. */
    public static Workflow chord(List<Signature> members, Signature callback) {
        return chord(wrap(members.toArray(new Signature[0])), of(callback));
    }

    private static Workflow chord(List<Workflow> members, Workflow callback) {
        Objects.requireNonNull(callback, "callback");
        List<Workflow> group = group(members).children;
        return new Workflow(Kind.CHORD, null, group, callback);
    }

    private static List<Workflow> wrap(Signature[] signatures) {
        Objects.requireNonNull(signatures, "signatures");
        List<Workflow> out = new ArrayList<>(signatures.length);
        for (Signature s : signatures) {
            out.add(of(s));
        }
        return out;
    }

    private static List<Workflow> nonEmpty(List<Workflow> list, String what) {
        Objects.requireNonNull(list, what);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("a " + what + " needs at least one member");
        }
        for (Workflow w : list) {
            if (w == null) {
                throw new IllegalArgumentException("a " + what + " member is null");
            }
        }
        return list;
    }

    /** What this node is. */
    public Kind kind() { return kind; }

    /** The call of a {@link Kind#TASK} node, else null. */
    public Signature signature() { return signature; }

    /** The steps of a chain, or the members of a group or chord (empty for a task). */
    public List<Workflow> children() { return children; }

    /** The callback of a chord, else null. */
    public Workflow callback() { return callback; }

    @Override
    public String toString() {
        return switch (kind) {
            case TASK -> signature.toString();
            case CHAIN -> "chain" + children;
            case GROUP -> "group" + children;
            case CHORD -> "chord(" + children + ", " + callback + ")";
        };
    }
}
