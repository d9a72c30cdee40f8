package dev.tasks.worker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskState;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ControlStore;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.runtime.TaskControls;
import dev.tasks.spi.runtime.Workflows;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.WorkerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of workflows, revocations, rate limits and concurrency limits, kept apart from the
 * run loop: the worker's parts call it at a few points of a run's life (the {@link DeliveryExecutor} before
 * admitting it, the {@link Completer} before acknowledging a success and when a run ends for good,
 * {@link HeldRuns} when it is cleaned up, and the worker at every heartbeat).
 * Thread-safe.
 */
final class Control {
    /** How long a task that found no concurrency slot waits before it is offered again (plus jitter). */
    static final Duration SLOT_RETRY_DELAY = Duration.ofMillis(250);

    private static final Logger log = LogSafe.logger(dev.tasks.worker.Worker.class);

    private final WorkerConfig config;
    private final Broker broker;
    /** Settles runs, sending a failed operation again while the broker error is transient. */
    private final Settler settler;
    private final Clock clock;
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final Consumer<Run> cleanup;
    private final ControlStore store;
    private final RateLimiter rateLimiter;
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    private final Map<Run, String[]> slots = new ConcurrentHashMap<>();
    private final Set<Run> terminated = ConcurrentHashMap.newKeySet();
    private final Set<String> warnedUnsupported = ConcurrentHashMap.newKeySet();
    private final HookRunner hooks;

    Control(WorkerConfig config, Consumer<Run> cleanup, Settler settler, HookRunner hooks) {
        this.hooks = hooks;
        this.config = config;
        this.settler = settler;
        this.broker = config.broker();
        this.clock = config.clock();
        this.cleanup = cleanup;
        ControlStore s;
        try {
            s = broker.control();
        } catch (UnsupportedOperationException e) {
            log.info("broker {} has no control store: revocations are not checked, and workflows, rate limits and"
                    + " concurrency limits do not work with it", broker.describe());
            s = null;
        }
        this.store = s;
        this.rateLimiter = s == null ? null : new RateLimiter(s, clock);
    }

    /** Whether the state and result of this run are recorded. */
    boolean storesResult(Envelope env, TaskDefinition def) {
        return def.returnsValue() || Boolean.TRUE.equals(env.storeResult()) || TaskControls.of(def).storeResult();
    }

    // ------------------------------------------------------------------------------------------- revocations

    /**
     * How long the fetcher's batch check that a task is not revoked stands in for a check of its own when it
     * starts: one round trip per fetched batch instead of one per task. A revoke that arrives within this
     * time before a prefetched task starts may not stop it (revoke with terminate interrupts it then).
     */
    static final long REVOCATION_CHECK_FRESH_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    /** Checks a fetched batch for revoked tasks in one call; on failure each run checks for itself. */
    void checkRevocations(List<Run> runs) {
        if (store == null || runs.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(runs.size());
        for (Run r : runs) {
            if (r.delivery.messageId() != null) {
                ids.add(r.delivery.messageId());
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        Map<String, Boolean> revoked;
        try {
            revoked = store.revoked(ids);
        } catch (RuntimeException e) {
            log.debug("batch revocation check failed ({}); each task checks when it starts", e.toString());
            return;
        }
        long now = System.nanoTime();
        for (Run r : runs) {
            if (r.delivery.messageId() == null) {
                continue;
            }
            if (revoked.containsKey(r.delivery.messageId())) {
                r.revokedAtFetch = true;
            } else {
                r.notRevokedAtNanos = now;
            }
        }
    }

    /**
     * Checks that the task is not revoked; if it is, acknowledges it without running it and records
     * {@link TaskState#REVOKED}.
     *
     * @return true when the run was revoked (and is settled)
     */
    boolean settleIfRevoked(Run run, Envelope env) {
        if (store == null) {
            return false;
        }
        boolean checkedAtFetch = run.delivery.messageId() != null && run.delivery.messageId().equals(env.id());
        boolean revoked;
        if (checkedAtFetch && run.revokedAtFetch) {
            revoked = true;
        } else if (checkedAtFetch && run.notRevokedAtNanos != 0
                && System.nanoTime() - run.notRevokedAtNanos < REVOCATION_CHECK_FRESH_NANOS) {
            revoked = false;
        } else {
            revoked = !store.revoked(List.of(env.id())).isEmpty();
        }
        if (!revoked) {
            running.put(env.id(), run);
            return false;
        }
        if (run.settle()) {
            try {
                if (!run.earlyAcked) {
                    settler.ack(run.delivery);
                }
                log.info("task {} ({}) was revoked; dropped without running", env.id(), env.task());
                ended(env, TaskState.REVOKED, "revoked before it started");
                hooks.revoked(run.hookTask());
            } finally {
                cleanup.accept(run);
            }
        }
        return true;
    }

    /**
     * Settles a failed run whose task was revoked with {@code terminate} while it ran (its interrupt is
     * the expected failure): acknowledged, recorded as {@link TaskState#REVOKED}, not retried.
     *
     * @return true when it was such a run (and is settled)
     */
    boolean settleIfTerminated(Run run) {
        if (!terminated.contains(run)) {
            return false;
        }
        Envelope env = run.envelope;
        if (!run.earlyAcked) {
            settler.ack(run.delivery);
        }
        log.info("task {} ({}) was revoked and terminated while it ran", env.id(), env.task());
        ended(env, TaskState.REVOKED, "revoked and terminated while it ran");
        hooks.revoked(run.hookTask());
        return true;
    }

    // -------------------------------------------------------------------------------------------- admission

    /**
     * Applies the task's concurrency limit and rate limit (see {@link RateLimiter}). A limited run is put
     * back (not counting as an attempt) and settled here. A run that may go on and holds a rate-limit slot
     * waits for it in {@link #awaitRateSlot}, right before it starts.
     *
     * @return true when the run may go on
     */
    boolean admit(Run run, Envelope env, TaskDefinition def) {
        TaskControls c = TaskControls.of(def);
        if (!c.rateLimited() && c.concurrency() == 0) {
            return true;
        }
        if (store == null) {
            if (warnedUnsupported.add(def.name())) {
                log.warn("task {} has a rate or concurrency limit but broker {} cannot keep one; it runs unlimited",
                        def.name(), broker.describe());
            }
            return true;
        }
        if (c.concurrency() > 0) {
            String holder = config.workerId() + "/" + run.delivery.receipt();
            if (!store.acquireSlot(def.name(), c.concurrency(), holder, config.lease())) {
                long jitter = ThreadLocalRandom.current().nextLong(SLOT_RETRY_DELAY.toMillis() + 1);
                postpone(run, env, SLOT_RETRY_DELAY.plusMillis(jitter), "concurrency limit " + c.concurrency());
                return false;
            }
            slots.put(run, new String[] {def.name(), holder});
        }
        Optional<Duration> later = rateLimiter.reserve(run, env, def, c);
        if (later.isPresent()) {
            postpone(run, env, later.get(), "rate limit " + c.rateLimitText().orElse(""));
            return false;
        }
        return true;
    }

    /** Waits for the rate-limit slot the run holds, if any (see {@link RateLimiter#awaitSlot}). */
    void awaitRateSlot(Run run) {
        if (rateLimiter != null) {
            rateLimiter.awaitSlot(run);
        }
    }

    private void postpone(Run run, Envelope env, Duration delay, String why) {
        if (!run.settle()) {
            return;
        }
        try {
            settler.retry(run.delivery, codec.encode(env), delay);
            log.debug("task {} ({}) postponed by {} ms by its {}", env.id(), env.task(), delay.toMillis(), why);
        } finally {
            cleanup.accept(run);
        }
    }

    // ------------------------------------------------------------------------------------------- workflows

    /**
     * Starts what follows a succeeded task of a workflow (its link; its chord's callback when it completes
     * the chord). Called before the task is acknowledged, so a worker that dies here leaves the task to be
     * redelivered; the next tasks carry idempotency keys from their ids, so starting them twice runs them
     * once, and a chord member is counted once however often it reports.
     *
     * @throws dev.tasks.BrokerException when the broker fails (the task stays unacknowledged)
     */
    void beforeAck(Run run, Object value) {
        Envelope env = run.envelope;
        if (env.link() == null && env.chord() == null) {
            return;
        }
        requireStore(env);
        JsonNode result = value == null ? NullNode.getInstance() : codec.mapper().valueToTree(value);
        // Recorded before anything after it starts, so a finished workflow never shows an earlier step unfinished.
        broker.results().put(new StoredResult(env.id(), env.task(), TaskState.SUCCESS, result.toString(), null,
                clock.instant()), config.resultTtl());
        Workflows.StartContext ctx = startContext(env);
        List<Envelope> next = new ArrayList<>();
        if (env.link() != null) {
            next.addAll(Workflows.start(env.link(), result, ctx));
        }
        JsonNode chord = env.chord();
        if (chord != null) {
            String chordId = chord.get("id").asText();
            int size = chord.get("size").asInt();
            int count = store.chordAdd(chordId, chord.get("index").asInt(), result.toString(), config.resultTtl());
            if (count >= size) {
                List<String> values = store.chordResults(chordId, size);
                ArrayNode list = codec.mapper().createArrayNode();
                for (int i = 0; i < values.size(); i++) {
                    list.add(parse(values.get(i), chordId, i));
                }
                next.addAll(Workflows.start(chord.get("callback"), list, ctx));
                log.debug("chord {} complete with {} member(s); its callback is started by task {}", chordId, size,
                        env.id());
            }
        }
        if (next.isEmpty()) {
            return;
        }
        // Publish interceptors run here, on the slot's thread inside the finishing run's interceptors, so the
        // next steps carry the context of the step that started them (docs/hooks.md).
        List<OutboundMessage> messages = new ArrayList<>(next.size());
        List<HookRunner.Scope> scopes = new ArrayList<>(next.size());
        try {
            for (Envelope e : next) {
                HookRunner.Scope scope = hooks.publishing(e);
                scopes.add(scope);
                Envelope out = scope.envelope();
                messages.add(new OutboundMessage(out.id(), out.queue(), out.priority(), out.eta(), codec.encode(out)));
            }
            broker.publish(messages);
        } catch (RuntimeException | Error e) {
            scopes.forEach(s -> s.end(e));
            throw e;
        }
        scopes.forEach(s -> s.end(null));
    }

    private JsonNode parse(String json, String chordId, int index) {
        if (json == null) {
            throw new IllegalStateException("chord " + chordId + " counted complete but member " + index
                    + " has no recorded result (its data may have expired after " + config.resultTtl() + ")");
        }
        try {
            return codec.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("chord " + chordId + " member " + index + " result is not JSON", e);
        }
    }

    private Workflows.StartContext startContext(Envelope env) {
        Instant now = clock.instant();
        return new Workflows.StartContext() {
            @Override public Instant now() { return now; }
            @Override public Optional<TaskDefinition> find(String name) { return config.registry().find(name); }
            @Override public String parentId() { return env.id(); }
            @Override public String rootId() { return env.rootId() != null ? env.rootId() : env.id(); }
            @Override public boolean continuation() { return true; }
        };
    }

    private void requireStore(Envelope env) {
        if (store == null) {
            throw new UnsupportedOperationException("task " + env.id() + " (" + env.task() + ") is part of a workflow"
                    + " but broker " + broker.describe() + " cannot run workflows");
        }
    }

    /**
     * A task ended without success for good ({@code FAILURE}, {@code EXPIRED} or {@code REVOKED}): records
     * the tasks of its workflow that will never run now (the rest of its chain, its chord's callback) with
     * the same outcome, so handles waiting on them see it.
     */
    void ended(Envelope env, TaskState state, String error) {
        if (state == TaskState.REVOKED) {
            put(env.id(), env.task(), TaskState.REVOKED, error);
        }
        if (env.link() == null && env.chord() == null) {
            return;
        }
        TaskState downstream = state == TaskState.REVOKED ? TaskState.REVOKED : TaskState.FAILURE;
        String why = "not run: task " + env.id() + " (" + env.task() + ") before it in its workflow ended " + state
                + (error == null ? "" : ": " + error);
        for (JsonNode n : Workflows.downstream(env)) {
            put(n.get("id").asText(), n.get("task").asText(), downstream, why);
        }
    }

    private void put(String id, String name, TaskState state, String error) {
        try {
            broker.results().put(new StoredResult(id, name, state, null, error, clock.instant()), config.resultTtl());
        } catch (RuntimeException e) {
            log.warn("could not store state {} of task {} ({}): {}", state, id, name, e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------ life cycle

    /** Forgets a settled run and gives back its concurrency slot. */
    void release(Run run) {
        Envelope env = run.envelope;
        if (env != null) {
            running.remove(env.id(), run);
        }
        terminated.remove(run);
        if (rateLimiter != null) {
            rateLimiter.forget(run);
        }
        String[] slot = slots.remove(run);
        if (slot != null) {
            try {
                store.releaseSlot(slot[0], slot[1]);
            } catch (RuntimeException e) {
                log.warn("could not give back the concurrency slot of task {} ({}): {}; it comes back after {}",
                        run.taskId(), slot[0], e.toString(), config.lease());
            }
        }
    }

    /** Interrupts runs revoked with {@code terminate}, and renews the concurrency slots held. */
    void heartbeat() {
        if (store == null) {
            return;
        }
        try {
            if (!running.isEmpty()) {
                for (Map.Entry<String, Boolean> e : store.revoked(new ArrayList<>(running.keySet())).entrySet()) {
                    Run r = running.get(e.getKey());
                    if (e.getValue() && r != null && !terminated.contains(r) && r.state() == Run.State.ACTIVE) {
                        terminated.add(r);
                        if (r.softLimit()) {
                            log.warn("task {} ({}) was revoked with terminate; its thread was interrupted", r.taskId(),
                                    r.taskName());
                        }
                    }
                }
            }
            Map<String, List<String>> byName = new HashMap<>();
            for (String[] s : slots.values()) {
                byName.computeIfAbsent(s[0], k -> new ArrayList<>()).add(s[1]);
            }
            for (Map.Entry<String, List<String>> e : byName.entrySet()) {
                Set<String> lost = store.renewSlots(e.getKey(), e.getValue(), config.lease());
                if (!lost.isEmpty()) {
                    log.warn("{} concurrency slot(s) of task {} were lost (lease of {} ran out); the limit may be"
                            + " exceeded until those runs end", lost.size(), e.getKey(), config.lease());
                }
            }
        } catch (Throwable t) {
            log.warn("revocation and concurrency-slot heartbeat failed ({}); retrying in {}", t.toString(),
                    config.heartbeatInterval());
        }
    }
}
