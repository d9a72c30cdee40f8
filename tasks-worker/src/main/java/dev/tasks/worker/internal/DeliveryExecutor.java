package dev.tasks.worker.internal;

import dev.tasks.ArgumentMismatchException;
import dev.tasks.MessageDecodeException;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskState;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.runtime.TaskContextHolder;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Runs one delivery on a slot's thread, from its payload to its outcome. In order: decode (malformed:
 * dead letter), poison (delivered more than {@code maxDeliveries} times: dead letter), expiry (acknowledged
 * unrun), revocation, unknown task name (offered again for a grace period, then dead letter), arguments
 * (mismatch: dead letter), admission (concurrency and rate limits: postponed), the idempotency claim (done
 * already: acknowledged; held by a live run: postponed), the early ack of an {@code acksLate=false} task, and
 * then the task body with its time limits: past the soft limit its thread is interrupted (the task sees
 * {@code isSoftTimeLimitExceeded}); past the hard limit the run is abandoned and the hard-limit handler
 * (the {@link SlotPool}) replaces its slot. The outcome goes to the {@link Completer}. Thread-safe.
 */
final class DeliveryExecutor {

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final Clock clock;
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final MessageReader reader;
    private final WorkerMetrics metrics;
    private final Settler settler;
    private final Control control;
    private final Completer completer;
    private final HeldRuns runs;
    private final HookRunner hooks;
    /** Takes over a run abandoned past its hard limit (on the timer's thread). */
    private final Consumer<Run> hardLimitHandler;
    private volatile ScheduledExecutorService timer;

    DeliveryExecutor(WorkerConfig config, WorkerMetrics metrics, Settler settler, Control control, Completer completer,
            HeldRuns runs, HookRunner hooks, Consumer<Run> hardLimitHandler) {
        this.hooks = hooks;
        this.config = config;
        this.clock = config.clock();
        this.reader = new MessageReader(codec, config.maxMessageBytes());
        this.metrics = metrics;
        this.settler = settler;
        this.control = control;
        this.completer = completer;
        this.runs = runs;
        this.hardLimitHandler = hardLimitHandler;
    }

    /** Sets the single-thread timer that fires time limits; before the first {@link #execute}. */
    void start(ScheduledExecutorService limitTimer) {
        this.timer = limitTimer;
    }

    /** Handles one delivery on the slot thread, from decoding to settling. */
    void execute(Run run) {
        Delivery d = run.delivery;
        Instant now = clock.instant();
        MDC.put("queue", d.queue());
        if (d.messageId() != null) {
            MDC.put("taskId", LogSafe.escape(d.messageId()));
        }
        Envelope env;
        try {
            env = reader.read(d.messageId(), d.payload());
        } catch (MessageDecodeException e) {
            WorkerMetrics.TaskMeters m = metrics.task(WorkerMetrics.UNKNOWN_TASK, d.queue());
            m.received.increment();
            completer.deadLetter(run, WorkerMetrics.UNKNOWN_TASK, "malformed", Failures.oneLine(e.getMessage()));
            return;
        }
        run.envelope = env;
        MDC.put("taskId", LogSafe.escape(env.id()));
        MDC.put("taskName", LogSafe.escape(env.task()));
        Optional<TaskDefinition> found = config.registry().find(env.task()).filter(TaskDefinition::hasImplementation);
        String metricTask = found.map(TaskDefinition::name).orElse(WorkerMetrics.UNKNOWN_TASK);
        WorkerMetrics.TaskMeters meters = metrics.task(metricTask, d.queue());
        meters.received.increment();
        if (d.publishedAt() != null) {
            meters.recordWait(Duration.between(d.publishedAt(), now));
        }

        if (d.deliveryCount() > config.maxDeliveries()) {
            completer.deadLetter(run, metricTask, "poison", "delivered " + d.deliveryCount() + " times (max "
                    + config.maxDeliveries() + ") without finishing: it may crash or hang its worker");
            return;
        }
        if (env.expires() != null && env.expires().isBefore(now)) {
            if (run.settle()) {
                try {
                    settler.ack(d);
                    meters.expired.increment();
                    log.info("task {} ({}) expired at {}; dropped without running", env.id(), env.task(), env.expires());
                    completer.storeResult(env, TaskState.EXPIRED, null, "expired at " + env.expires());
                    hooks.expired(run.hookTask());
                } finally {
                    runs.cleanup(run);
                }
            }
            return;
        }
        if (control.settleIfRevoked(run, env)) {
            return;
        }
        if (found.isEmpty()) {
            unknownTask(run, env, now);
            return;
        }
        TaskDefinition def = found.get();
        run.definition = def;
        run.maxRetries = env.maxRetries() != null ? env.maxRetries() : def.retryPolicy().maxRetries();
        Object[] args;
        try {
            args = def.decodeArgs(env.args());
        } catch (ArgumentMismatchException e) {
            completer.deadLetter(run, metricTask, "bad_arguments", Failures.oneLine(e.getMessage()));
            return;
        }
        if (!control.admit(run, env, def)) {
            return;
        }
        if (env.idempotencyKey() != null && !claimKey(run, env)) {
            return;
        }
        if (!def.acksLate()) {
            settler.ack(d);
            run.earlyAcked = true;
        }
        if (control.storesResult(env, def)) {
            completer.storeResult(env, TaskState.STARTED, null, null);
        }
        control.awaitRateSlot(run);
        invoke(run, def, args, meters);
    }

    /** Claims the idempotency key; false when the delivery was settled instead (duplicate or busy). */
    private boolean claimKey(Run run, Envelope env) {
        KeyClaims.Claimed claimed = KeyClaims.claim(config.broker().idempotency(), env.idempotencyKey(),
                config.workerId(), env.id(), run.delivery, config.lease());
        switch (claimed.claim()) {
            case CLAIMED:
                run.claimOwner = claimed.owner();
                run.claimedKey = env.idempotencyKey();
                return true;
            case DONE:
                if (run.settle()) {
                    try {
                        settler.ack(run.delivery);
                        log.info("task {} ({}) skipped: idempotency key '{}' already done", env.id(), env.task(),
                                env.idempotencyKey());
                    } finally {
                        runs.cleanup(run);
                    }
                }
                return false;
            case IN_PROGRESS:
            default:
                if (run.settle()) {
                    try {
                        settler.retry(run.delivery, run.delivery.payload(), config.busyKeyRetryDelay());
                        log.info("task {} ({}) postponed by {}: idempotency key '{}' is held by another live run",
                                env.id(), env.task(), config.busyKeyRetryDelay(), env.idempotencyKey());
                    } finally {
                        runs.cleanup(run);
                    }
                }
                return false;
        }
    }

    private void unknownTask(Run run, Envelope env, Instant now) {
        Instant since = now;
        String header = env.headers().get(DefaultWorker.UNKNOWN_SINCE_HEADER);
        if (header != null) {
            try {
                since = Instant.parse(header);
            } catch (DateTimeParseException e) {
                since = now;
            }
        }
        Duration waited = Duration.between(since, now);
        if (waited.isNegative()) {
            waited = Duration.ZERO;
        }
        int known = config.registry().definitions().size();
        if (waited.compareTo(config.unknownTaskGrace()) >= 0) {
            completer.deadLetter(run, WorkerMetrics.UNKNOWN_TASK, "unknown_task", "unknown task '" + env.task()
                    + "': not registered in this worker (" + known + " task(s) known) for " + waited
                    + " since first seen at " + since + " (grace " + config.unknownTaskGrace()
                    + "); deploy a worker that has it, then replay this dead letter");
            return;
        }
        Duration left = config.unknownTaskGrace().minus(waited);
        Duration delay = config.unknownTaskRetryDelay().compareTo(left) < 0 ? config.unknownTaskRetryDelay() : left;
        Map<String, String> headers = new HashMap<>(env.headers());
        headers.put(DefaultWorker.UNKNOWN_SINCE_HEADER, since.toString());
        String payload = codec.encode(env.toBuilder().headers(headers).build());
        if (run.settle()) {
            try {
                settler.retry(run.delivery, payload, delay);
                log.warn("task {} has unknown name '{}' (not registered in this worker, {} task(s) known); offered"
                        + " again in {}, dead-lettered if still unknown {} after {}", env.id(), env.task(), known,
                        delay, config.unknownTaskGrace(), since);
            } finally {
                runs.cleanup(run);
            }
        }
    }

    /**
     * Runs the task body under its time limits, inside the run interceptors, then hands the outcome to the
     * {@link Completer}; the interceptors' {@code After}s run once it is settled (docs/hooks.md).
     */
    private void invoke(Run run, TaskDefinition def, Object[] args, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        TaskContextHolder.set(new RunContext(run));
        ScheduledFuture<?> soft = null;
        ScheduledFuture<?> hard = null;
        Object value = null;
        Throwable failure = null;
        HookRunner.Scope scope = null;
        boolean mine;
        long start = System.nanoTime();
        run.startedNanos = start;
        if (!run.beginInvoke()) {
            return; // given back by a cold shutdown before it started
        }
        try {
            if (def.softTimeLimit().isPresent()) {
                soft = timer.schedule(() -> softLimit(run), def.softTimeLimit().get().toNanos(), TimeUnit.NANOSECONDS);
            }
            if (def.timeLimit().isPresent()) {
                hard = timer.schedule(() -> hardLimitHandler.accept(run), def.timeLimit().get().toNanos(),
                        TimeUnit.NANOSECONDS);
            }
            scope = hooks.running(run.hookView());
            value = def.invoke(args);
        } catch (Throwable t) {
            failure = t;
        } finally {
            mine = run.endInvoke();
            if (soft != null) {
                soft.cancel(false);
            }
            if (hard != null) {
                hard.cancel(false);
            }
            TaskContextHolder.clear();
        }
        long elapsed = System.nanoTime() - start;
        meters.run.record(elapsed, TimeUnit.NANOSECONDS);
        if (!mine) {
            Run.AbandonReason why = run.abandonReason();
            log.warn("task {} ({}) returned after {} ms but was abandoned ({}); its outcome ({}) is ignored", env.id(),
                    env.task(), TimeUnit.NANOSECONDS.toMillis(elapsed),
                    why == Run.AbandonReason.HARD_TIME_LIMIT ? "hard time limit" : "shutdown",
                    failure == null ? "success" : Failures.summary(failure));
            if (scope != null) {
                scope.end(failure);
            }
            return;
        }
        Thread.interrupted();
        try {
            completer.complete(run, def, value, failure, meters);
        } finally {
            if (scope != null) {
                scope.end(failure);
            }
        }
    }

    private void softLimit(Run run) {
        if (run.softLimit()) {
            log.warn("task {} ({}) passed its soft time limit of {}; its thread was interrupted", run.taskId(),
                    run.taskName(), run.definition.softTimeLimit().orElse(null));
        }
    }
}
