package dev.tasks.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.EnqueueException;
import dev.tasks.EnqueueOptions;
import dev.tasks.IdempotencyPolicy;
import dev.tasks.PayloadTooLargeException;
import dev.tasks.Priority;
import dev.tasks.RetryRequested;
import dev.tasks.Signature;
import dev.tasks.Task;
import dev.tasks.TaskContext;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskDefinitionException;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.TasksException;
import dev.tasks.Workflow;
import dev.tasks.WorkflowHandle;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.PublishMetrics;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionSynchronizer;
import dev.tasks.spi.TransactionalPublisher;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.runtime.TaskContextHolder;
import dev.tasks.spi.runtime.Workflows;
import dev.tasks.spi.support.Ids;
import dev.tasks.spi.support.LogSafe;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Tasks} implementation. Thread-safe. Internal: use {@link Tasks#builder()}. */
public final class DefaultTasks implements Tasks {
    private static final Logger log = LogSafe.logger(Tasks.class);
    private static final Duration EAGER_RESULT_TTL = Duration.ofHours(1);

    private final Broker broker;
    private final boolean ownsBroker;
    private final TaskRegistry registry;
    private final Routes routes;
    private final TransactionSynchronizer transactions;
    private final TransactionalPublisher transactionalPublisher;
    private final int maxPayloadBytes;
    private final Clock clock;
    private final boolean eager;
    private final PublishMetrics metrics;
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final Map<Class<?>, TaskRegistry> undeclared = new ConcurrentHashMap<>();
    private final Map<Class<?>, Object> proxies = new ConcurrentHashMap<>();
    private final ThreadLocal<Capture> capture = new ThreadLocal<>();
    private final ResultStore eagerResults;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final HookRunner hooks;

    public DefaultTasks(Broker broker, boolean ownsBroker, TaskRegistry registry, Routes routes,
            TransactionSynchronizer transactions, TransactionalPublisher transactionalPublisher, int maxPayloadBytes,
            Clock clock, boolean eager, PublishMetrics metrics, HookRunner hooks) {
        this.hooks = hooks;
        this.broker = broker;
        this.ownsBroker = ownsBroker;
        this.registry = registry;
        this.routes = routes;
        this.transactions = transactions;
        this.transactionalPublisher = transactionalPublisher != null ? transactionalPublisher
                : broker instanceof TransactionalPublisher p ? p : null;
        this.maxPayloadBytes = maxPayloadBytes;
        this.clock = clock;
        this.eager = eager;
        this.metrics = metrics;
        this.eagerResults = eager ? new MapResultStore(clock) : null;
    }

    @Override
    public <T> TaskHandle delay(Class<T> taskInterface, Consumer<T> call, EnqueueOptions options) {
        Prepared p = prepare(captured(taskInterface, call), options, false);
        publishNow(List.of(p));
        return p.handle;
    }

    @Override
    public <T> TaskHandle delayOnCommit(Class<T> taskInterface, Consumer<T> call, EnqueueOptions options) {
        return onCommit(prepare(captured(taskInterface, call), options, false));
    }

    @Override
    public <T> Signature signature(Class<T> taskInterface, Consumer<T> call) {
        Invocation inv = captured(taskInterface, call);
        return Signature.of(inv.definition.name(), inv.args);
    }

    @Override
    public TaskHandle send(Signature signature) {
        Prepared p = prepare(resolve(signature), signature.options(), true);
        publishNow(List.of(p));
        return p.handle;
    }

    @Override
    public TaskHandle sendOnCommit(Signature signature) {
        return onCommit(prepare(resolve(signature), signature.options(), true));
    }

    @Override
    public List<TaskHandle> sendAll(List<Signature> signatures) {
        List<Prepared> prepared = new ArrayList<>(signatures.size());
        try {
            for (Signature s : signatures) {
                prepared.add(prepare(resolve(s), s.options(), true));
            }
        } catch (RuntimeException | Error e) {
            end(prepared.stream().map(Prepared::scope).toList(), e); // nothing of the batch is sent
            throw e;
        }
        publishNow(prepared);
        List<TaskHandle> handles = new ArrayList<>(prepared.size());
        for (Prepared p : prepared) {
            handles.add(p.handle);
        }
        return handles;
    }

    @Override
    public TaskHandle handle(String taskId) {
        return handleOf(taskId, null, null);
    }

    @Override
    public Broker broker() {
        return broker;
    }

    @Override
    public TaskRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsBroker && broker != null) {
            broker.close();
        }
    }

    private TaskHandle handleOf(String id, String name, String queue) {
        return eager ? TaskHandle.of(id, name, queue, eagerResults) : TaskHandle.of(id, name, queue, broker, clock);
    }

    // ---- workflows ----------------------------------------------------------------------------------

    @Override
    public WorkflowHandle apply(Workflow workflow) {
        java.util.Objects.requireNonNull(workflow, "workflow");
        if (eager) {
            throw new UnsupportedOperationException("workflows are not run in eager mode; use an in-memory broker"
                    + " and a worker in tests");
        }
        broker.control(); // fails early, before anything is published, when the broker has no control store
        ObjectNode root;
        try {
            root = Workflows.freeze(workflow, this::taskSpec, () -> Ids.newId(clock));
        } catch (IllegalArgumentException e) {
            throw new EnqueueException(workflow.toString(), "workflow " + workflow + ": " + e.getMessage(), e);
        }
        Optional<TaskContext> parent = TaskContext.find();
        List<Envelope> first = Workflows.start(root, null, new Workflows.StartContext() {
            @Override public Instant now() { return clock.instant(); }
            @Override public Optional<TaskDefinition> find(String name) { return registry.find(name); }
            @Override public String parentId() { return parent.map(TaskContext::taskId).orElse(null); }
            @Override public String rootId() { return null; }
            @Override public boolean continuation() { return false; }
        });
        List<OutboundMessage> messages = new ArrayList<>(first.size());
        List<Envelope> envelopes = new ArrayList<>(first.size());
        List<HookRunner.Scope> scopes = new ArrayList<>(first.size());
        try {
            for (Envelope started : first) {
                HookRunner.Scope scope = hooks.publishing(started);
                scopes.add(scope);
                Envelope env = scope.envelope();
                String payload = codec.encode(env);
                int size = EnvelopeCodec.sizeOf(payload);
                if (size > maxPayloadBytes) {
                    metrics.rejected(env.task(), env.queue(), "payload_too_large");
                    throw new PayloadTooLargeException(env.task(), size, maxPayloadBytes);
                }
                envelopes.add(env);
                messages.add(new OutboundMessage(env.id(), env.queue(), env.priority(), env.eta(), payload));
            }
        } catch (RuntimeException | Error e) {
            end(scopes, e);
            throw e;
        }
        publish(messages, envelopes, scopes);
        List<TaskHandle> all = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode n : Workflows.tasks(root, false)) {
            all.add(handleOf(n.get("id").asText(), n.get("task").asText(), n.path("queue").asText(null)));
        }
        List<TaskHandle> tails = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode n : Workflows.tails(root)) {
            tails.add(handleOf(n.get("id").asText(), n.get("task").asText(), n.path("queue").asText(null)));
        }
        String id = root.hasNonNull("id") ? root.get("id").asText() : first.get(0).id();
        return new WorkflowHandle(id, all, tails, Workflows.isList(root));
    }

    /** The wire node of one call of a workflow: resolved like {@link #send}, with its id assigned now. */
    private ObjectNode taskSpec(Signature s) {
        Invocation inv = resolve(s);
        TaskDefinition def = inv.definition;
        String name = inv.name;
        EnqueueOptions options = s.options();
        ArrayNode args;
        try {
            args = codec.encodeArgs(inv.args);
        } catch (IllegalArgumentException e) {
            throw new EnqueueException(name, "task " + name + ": an argument cannot be encoded as JSON: "
                    + e.getMessage(), e);
        }
        Boolean parentResult = null;
        if (def != null) {
            parentResult = def.parameterTypes().size() == args.size() + 1;
            if (!parentResult) {
                def.decodeArgs(args);
            }
        }
        Instant now = clock.instant();
        ObjectNode n = codec.mapper().createObjectNode();
        n.put("t", "task").put("id", Ids.newId(clock)).put("task", name);
        n.set("args", args);
        n.put("queue", routes.resolve(options.queue().orElse(null), name, def));
        n.put("priority", options.priority().orElse(def == null ? Priority.DEFAULT : def.priority()));
        options.eta().ifPresent(eta -> n.put("eta", eta.toEpochMilli()));
        options.countdown().ifPresent(c -> n.put("countdown", c.toMillis()));
        Instant expires = options.expiresAt().orElseGet(() -> options.expiresIn().map(now::plus)
                .orElseGet(() -> def == null ? null : def.expires().map(now::plus).orElse(null)));
        if (expires != null) {
            n.put("expires", expires.toEpochMilli());
        }
        if (!options.headers().isEmpty()) {
            ObjectNode h = n.putObject("headers");
            options.headers().forEach(h::put);
        }
        options.idempotencyKey().ifPresent(k -> n.put("key", k));
        if (parentResult != null) {
            n.put("parent", parentResult);
        }
        return n;
    }

    // ---- capture of type-safe calls ----------------------------------------------------------------

    private record Invocation(String name, TaskDefinition definition, Object[] args) {}

    private static final class Capture {
        Method method;
        Object[] args;
        int calls;
    }

    private <T> Invocation captured(Class<T> taskInterface, Consumer<T> call) {
        if (taskInterface == null || call == null) {
            throw new IllegalArgumentException("taskInterface and call must not be null");
        }
        TaskRegistry reg = registry.definitions().stream().anyMatch(d -> d.taskInterface() == taskInterface)
                ? registry : undeclared.computeIfAbsent(taskInterface, c -> TaskRegistry.builder().declare(c).build());
        T proxy = taskInterface.cast(proxies.computeIfAbsent(taskInterface, this::newProxy));
        Capture c = new Capture();
        Capture outer = capture.get();
        capture.set(c);
        try {
            call.accept(proxy);
        } finally {
            capture.set(outer);
        }
        if (c.calls != 1) {
            throw new EnqueueException(taskInterface.getName(), "the lambda given to delay(" + taskInterface.getSimpleName()
                    + ".class, ...) must call exactly one task method, it called " + c.calls);
        }
        if (c.method.getAnnotation(Task.class) == null) {
            throw new EnqueueException(taskInterface.getName(), c.method.getDeclaringClass().getName() + "."
                    + c.method.getName() + " is not a @Task method");
        }
        TaskDefinition d = reg.find(c.method).orElseThrow(() -> new TaskDefinitionException(
                "no task definition for " + c.method));
        return new Invocation(d.name(), d, c.args == null ? new Object[0] : c.args);
    }

    private Object newProxy(Class<?> iface) {
        return Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "TaskCallRecorder[" + iface.getName() + "]";
                };
            }
            Capture c = capture.get();
            if (c == null) {
                throw new IllegalStateException("task call recorder used outside delay()/signature()");
            }
            c.calls++;
            if (c.calls == 1) {
                c.method = method;
                c.args = args == null ? new Object[0] : args.clone();
            }
            return defaultValue(method.getReturnType());
        });
    }

    private static Object defaultValue(Class<?> type) {
        if (!type.isPrimitive() || type == void.class) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == char.class) {
            return '\0';
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == float.class) {
            return 0f;
        }
        if (type == double.class) {
            return 0d;
        }
        if (type == byte.class) {
            return (byte) 0;
        }
        if (type == short.class) {
            return (short) 0;
        }
        return 0;
    }

    private Invocation resolve(Signature s) {
        TaskDefinition d = registry.find(s.taskName()).orElse(null);
        if (d == null) {
            for (TaskRegistry r : undeclared.values()) {
                d = r.find(s.taskName()).orElse(null);
                if (d != null) {
                    break;
                }
            }
        }
        return new Invocation(d == null ? s.taskName() : d.name(), d, s.args().toArray());
    }

    // ---- building messages --------------------------------------------------------------------------

    private record Prepared(Envelope envelope, OutboundMessage message, TaskHandle handle, TaskDefinition definition,
            HookRunner.Scope scope) {}

    private Prepared prepare(Invocation inv, EnqueueOptions options, boolean checkArgs) {
        try {
            return prepareChecked(inv, options, checkArgs);
        } catch (PayloadTooLargeException e) {
            metrics.rejected(inv.name, queueOrUnknown(inv, options), "payload_too_large");
            throw e;
        } catch (TasksException e) {
            metrics.rejected(inv.name, queueOrUnknown(inv, options), "invalid");
            throw e;
        }
    }

    private String queueOrUnknown(Invocation inv, EnqueueOptions options) {
        try {
            return routes.resolve(options.queue().orElse(null), inv.name, inv.definition);
        } catch (RuntimeException e) {
            return PublishMetrics.UNKNOWN_QUEUE;
        }
    }

    private Prepared prepareChecked(Invocation inv, EnqueueOptions options, boolean checkArgs) {
        String name = inv.name;
        TaskDefinition def = inv.definition;
        ArrayNode args;
        try {
            args = codec.encodeArgs(inv.args);
        } catch (IllegalArgumentException e) {
            throw new EnqueueException(name, "task " + name + ": an argument cannot be encoded as JSON: "
                    + e.getMessage(), e);
        }
        if (def != null && checkArgs) {
            def.decodeArgs(args);
        } else if (def == null && checkArgs) {
            log.debug("task {} is not declared in this client; its arguments are sent unchecked", name);
        }
        Instant now = clock.instant();
        Instant eta = options.eta().orElseGet(() -> options.countdown().map(now::plus).orElse(null));
        Instant expires = options.expiresAt().orElseGet(() -> options.expiresIn().map(now::plus)
                .orElseGet(() -> def == null ? null : def.expires().map(now::plus).orElse(null)));
        if (expires != null && !expires.isAfter(eta == null ? now : eta)) {
            throw new EnqueueException(name, "task " + name + " would expire (" + expires + ") before it may start ("
                    + (eta == null ? now : eta) + "); nothing was enqueued");
        }
        int priority = options.priority().orElse(def == null ? Priority.DEFAULT : def.priority());
        String queue = routes.resolve(options.queue().orElse(null), name, def);
        String key = options.idempotencyKey().orElse(null);
        if (key == null && def != null && def.idempotency() == IdempotencyPolicy.ARGUMENTS) {
            key = name + ":" + sha256(args.toString());
        }
        String id = Ids.newId(clock);
        Optional<TaskContext> parent = TaskContext.find();
        HookRunner.Scope scope = hooks.publishing(id, name, queue, options.headers());
        try {
            return encode(inv, id, queue, eta, expires, priority, key, args, now, parent, scope);
        } catch (RuntimeException | Error e) {
            scope.end(e);
            throw e;
        }
    }

    private Prepared encode(Invocation inv, String id, String queue, Instant eta, Instant expires, int priority,
            String key, ArrayNode args, Instant now, Optional<TaskContext> parent, HookRunner.Scope scope) {
        String name = inv.name;
        Envelope env = Envelope.builder(id, name)
                .args(args)
                .queue(queue)
                .eta(eta)
                .expires(expires)
                .priority(priority)
                .idempotencyKey(key)
                .headers(scope.headers())
                .parentId(parent.map(TaskContext::taskId).orElse(null))
                .createdAt(now)
                .build();
        String payload;
        try {
            payload = codec.encode(env);
        } catch (IllegalArgumentException e) {
            throw new EnqueueException(name, e.getMessage(), e);
        }
        int size = EnvelopeCodec.sizeOf(payload);
        if (size > maxPayloadBytes) {
            throw new PayloadTooLargeException(name, size, maxPayloadBytes);
        }
        OutboundMessage msg = new OutboundMessage(id, queue, priority, eta, payload);
        return new Prepared(env, msg, handleOf(id, name, queue), inv.definition, scope);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    // ---- publishing ---------------------------------------------------------------------------------

    private void publishNow(List<Prepared> prepared) {
        if (eager) {
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                try {
                    runEagerly(p);
                } catch (RuntimeException | Error e) {
                    p.scope.end(e);
                    end(prepared.subList(i + 1, prepared.size()).stream().map(Prepared::scope).toList(), e);
                    throw e;
                }
                p.scope.end(null);
            }
            return;
        }
        List<OutboundMessage> messages = new ArrayList<>(prepared.size());
        List<Envelope> envelopes = new ArrayList<>(prepared.size());
        List<HookRunner.Scope> scopes = new ArrayList<>(prepared.size());
        for (Prepared p : prepared) {
            messages.add(p.message);
            envelopes.add(p.envelope);
            scopes.add(p.scope);
        }
        publish(messages, envelopes, scopes);
    }

    /**
     * Publishes and counts: every message as published, or every one as failed when the broker threw; then
     * ends the publish hooks' scopes with the outcome.
     */
    private void publish(List<OutboundMessage> messages, List<Envelope> envelopes, List<HookRunner.Scope> scopes) {
        try {
            broker.publish(messages);
        } catch (RuntimeException | Error e) {
            for (Envelope env : envelopes) {
                metrics.failed(env.task(), env.queue());
            }
            end(scopes, e);
            throw e;
        }
        for (Envelope env : envelopes) {
            metrics.published(env.task(), env.queue());
        }
        end(scopes, null);
    }

    private static void end(List<HookRunner.Scope> scopes, Throwable failure) {
        for (HookRunner.Scope scope : scopes) {
            scope.end(failure);
        }
    }

    private TaskHandle onCommit(Prepared p) {
        Optional<TransactionContext> tx = transactions.current();
        if (tx.isEmpty()) {
            Optional<String> unseen = TransactionSynchronizers.unseenTransaction();
            if (unseen.isPresent()) {
                throw new IllegalStateException("task " + p.envelope.task() + " was enqueued on commit inside a "
                        + unseen.get() + "-managed transaction that tasks cannot see, so it would be published at once"
                        + " even if the transaction rolls back; add the dev.tasks:tasks-spring module to the class path"
                        + " (it binds delayOnCommit to Spring transactions), or use delay() to publish at once");
            }
            publishNow(List.of(p));
            return p.handle;
        }
        boolean written;
        try {
            written = !eager && transactionalPublisher != null
                    && transactionalPublisher.publishInTransaction(tx.get(), List.of(p.message));
        } catch (RuntimeException | Error e) {
            p.scope.end(e);
            throw e;
        }
        if (written) {
            metrics.published(p.envelope.task(), p.envelope.queue());
            p.scope.end(null);
            return p.handle;
        }
        try {
            afterCommit(tx.get(), p);
        } catch (RuntimeException | Error e) {
            p.scope.end(e);
            throw e;
        }
        // Handed to the transaction: the hooks' part ends here (a rollback drops the task; see PublishInterceptor).
        p.scope.end(null);
        return p.handle;
    }

    private void afterCommit(TransactionContext tx, Prepared p) {
        tx.afterCommit(() -> {
            try {
                publishNow(List.of(p));
            } catch (RuntimeException e) {
                metrics.afterCommitLost(p.envelope.task(), p.envelope.queue());
                log.error("task {} ({}) was not enqueued after its transaction committed: {}; use a broker on the"
                        + " same database or a transactional outbox to make this atomic", p.envelope.id(),
                        p.envelope.task(), e.toString(), e);
                throw e;
            }
        });
    }

    private void runEagerly(Prepared p) {
        TaskDefinition def = p.definition != null ? p.definition : registry.get(p.envelope.task());
        Object[] args = def.decodeArgs(p.envelope.args());
        EagerContext ctx = new EagerContext(p.envelope, def.retryPolicy().maxRetries());
        TaskContext outer = TaskContextHolder.get();
        TaskContextHolder.set(ctx);
        try {
            Object value = def.invoke(args);
            String json = def.returnsValue() ? codec.mapper().writeValueAsString(value) : null;
            eagerResults.put(new StoredResult(p.envelope.id(), def.name(), TaskState.SUCCESS, json, null,
                    clock.instant()), EAGER_RESULT_TTL);
        } catch (Throwable t) {
            eagerResults.put(new StoredResult(p.envelope.id(), def.name(), TaskState.FAILURE, null, t.toString(),
                    clock.instant()), EAGER_RESULT_TTL);
            if (t instanceof TasksException te) {
                throw te;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new TasksException("task " + p.envelope.id() + " (" + def.name() + ") failed in eager mode: " + t, t);
        } finally {
            if (outer == null) {
                TaskContextHolder.clear();
            } else {
                TaskContextHolder.set(outer);
            }
        }
    }

    private static final class EagerContext implements TaskContext {
        private final Envelope env;
        private final int maxRetries;

        EagerContext(Envelope env, int maxRetries) {
            this.env = env;
            this.maxRetries = maxRetries;
        }

        @Override public String taskId() { return env.id(); }
        @Override public String taskName() { return env.task(); }
        @Override public String queue() { return env.queue(); }
        @Override public int attempt() { return env.attempt(); }
        @Override public int retriesLeft() { return Math.max(0, maxRetries - env.attempt()); }
        @Override public Map<String, String> headers() { return env.headers(); }
        @Override public Optional<String> idempotencyKey() { return Optional.ofNullable(env.idempotencyKey()); }
        @Override public boolean isSoftTimeLimitExceeded() { return false; }
        @Override public RetryRequested retry(Duration countdown) { throw new RetryRequested(countdown, null); }
        @Override public RetryRequested retry(Duration countdown, Throwable cause) {
            throw new RetryRequested(countdown, cause);
        }
    }

    /** A result store in memory, for eager mode. */
    private static final class MapResultStore implements ResultStore {
        private record Entry(StoredResult result, Instant expiresAt) {}

        private final Map<String, Entry> map = new ConcurrentHashMap<>();
        private final Clock clock;

        MapResultStore(Clock clock) {
            this.clock = clock;
        }

        @Override
        public void put(StoredResult result, Duration ttl) {
            map.put(result.taskId(), new Entry(result, clock.instant().plus(ttl)));
        }

        @Override
        public Optional<StoredResult> get(String taskId) {
            Entry e = map.get(taskId);
            if (e == null || !e.expiresAt.isAfter(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(e.result);
        }
    }
}
