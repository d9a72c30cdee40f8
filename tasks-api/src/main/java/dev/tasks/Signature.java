package dev.tasks;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A task call by name: the low-level, dynamic form of enqueueing ({@link Tasks#send(Signature)}).
 * Immutable: the option methods return new signatures.
 *
 * <pre>{@code
 * tasks.send(Signature.of("orders.sendOrderConfirmation", 42L).countdown(Duration.ofSeconds(30)));
 * }</pre>
 *
 * <p>When the client knows the task (its interface is declared or registered), the arguments are checked
 * against the method's parameter types at enqueue; otherwise they are sent as given.
 */
public final class Signature {
    private final String taskName;
    private final List<Object> args;
    private final EnqueueOptions options;

    private Signature(String taskName, List<Object> args, EnqueueOptions options) {
        this.taskName = taskName;
        this.args = args;
        this.options = options;
    }

    /** A call of {@code taskName} with positional arguments (null elements allowed). */
    public static Signature of(String taskName, Object... args) {
        Objects.requireNonNull(taskName, "taskName");
        if (taskName.isBlank()) {
            throw new IllegalArgumentException("task name must not be empty");
        }
        return new Signature(taskName, args == null ? List.of() : java.util.Collections.unmodifiableList(
                Arrays.asList(args.clone())), EnqueueOptions.defaults());
    }

    /** The task name. */
    public String taskName() { return taskName; }

    /** The positional arguments (unmodifiable). */
    public List<Object> args() { return args; }

    /** The options. */
    public EnqueueOptions options() { return options; }

    /** This call with {@code options} merged over its own. */
    public Signature options(EnqueueOptions options) {
        return new Signature(taskName, args, this.options.merge(options));
    }

    /** See {@link EnqueueOptions#countdown(Duration)}. */
    public Signature countdown(Duration countdown) { return with(options.countdown(countdown)); }

    /** See {@link EnqueueOptions#eta(Instant)}. */
    public Signature eta(Instant eta) { return with(options.eta(eta)); }

    /** See {@link EnqueueOptions#expires(Duration)}. */
    public Signature expires(Duration ttl) { return with(options.expires(ttl)); }

    /** See {@link EnqueueOptions#priority(int)}. */
    public Signature priority(int priority) { return with(options.priority(priority)); }

    /** See {@link EnqueueOptions#queue(String)}. */
    public Signature queue(String queue) { return with(options.queue(queue)); }

    /** See {@link EnqueueOptions#idempotencyKey(String)}. */
    public Signature idempotencyKey(String key) { return with(options.idempotencyKey(key)); }

    /** See {@link EnqueueOptions#header(String, String)}. */
    public Signature header(String name, String value) { return with(options.header(name, value)); }

    private Signature with(EnqueueOptions o) {
        return new Signature(taskName, args, o);
    }

    @Override
    public String toString() {
        return taskName + args;
    }
}
