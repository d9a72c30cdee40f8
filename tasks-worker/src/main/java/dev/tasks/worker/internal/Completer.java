package dev.tasks.worker.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tasks.BrokerException;
import dev.tasks.RetryPolicy;
import dev.tasks.RetryRequested;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskState;
import dev.tasks.TimeLimitExceeded;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.runtime.HookRunner;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * Settles runs once their outcome is known: a success is acknowledged (through the {@link Acker}, off the
 * slot's thread, when no result is stored), a failure is retried by its retry policy or dead-lettered with
 * the reason, a delivery that cannot run is dead-lettered, and the task's state is stored where it is
 * recorded. Broker operations go through the {@link Settler}, which sends them again while the broker error
 * is transient. Every path here ends with the run cleaned up in {@link HeldRuns}, exactly once, whoever calls
 * (the slot, the timer's replacement slot, a shutdown reaper). Thread-safe.
 */
final class Completer {

    private static final Logger log = LogSafe.logger(Worker.class);

    private final WorkerConfig config;
    private final Broker broker;
    private final Clock clock;
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final WorkerMetrics metrics;
    private final Settler settler;
    private final Acker acker;
    private final Control control;
    private final HeldRuns runs;
    private final HookRunner hooks;

    Completer(WorkerConfig config, WorkerMetrics metrics, Settler settler, Control control, HeldRuns runs,
            HookRunner hooks, String ackerThreadName) {
        this.hooks = hooks;
        this.config = config;
        this.broker = config.broker();
        this.clock = config.clock();
        this.metrics = metrics;
        this.settler = settler;
        this.control = control;
        this.runs = runs;
        this.acker = new Acker(broker, config.concurrency() + config.prefetch(), ackerThreadName);
    }

    /** Starts the acker's thread. */
    void start() {
        acker.start();
    }

    /** Waits for the acks of finished tasks to complete (bounded: 30 s), then stops the acker. */
    void flushAcks() {
        int left = acker.pending();
        try {
            if (!acker.close(30, TimeUnit.SECONDS)) {
                log.warn("{} acknowledgement(s) of finished tasks did not complete within 30 s of shutdown; those"
                        + " tasks will be redelivered when their lease runs out", acker.pending());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while waiting for {} acknowledgement(s) of finished tasks; unacknowledged tasks"
                    + " will be redelivered when their lease runs out", left);
        }
    }

    /**
     * Settles a run whose task body returned (with {@code value}) or threw ({@code failure}), unless it was
     * settled already; the caller made sure it was not abandoned.
     */
    void complete(Run run, TaskDefinition def, Object value, Throwable failure, WorkerMetrics.TaskMeters meters) {
        if (!run.settle()) {
            return;
        }
        boolean handedOver = false;
        try {
            if (failure == null) {
                handedOver = succeed(run, def, value, meters);
            } else {
                fail(run, def, failure, meters);
            }
        } finally {
            if (!handedOver) {
                runs.cleanup(run);
            }
        }
    }

    /**
     * Settles a successful run. Without a result to store, the ack goes to the {@link Acker} and the slot
     * moves on: the success is counted, and the run forgotten, once the broker confirmed the ack.
     *
     * @return true when the run was handed to the acker (which then cleans it up)
     */
    private boolean succeed(Run run, TaskDefinition def, Object value, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        control.beforeAck(run, value);
        if (run.claimedKey != null) {
            try {
                broker.idempotency().complete(run.claimedKey, run.claimOwner, def.idempotencyRetention());
            } catch (RuntimeException e) {
                log.warn("task {} ({}) finished but its idempotency key '{}' could not be marked done ({}); a"
                        + " duplicate may run", env.id(), env.task(), run.claimedKey, e.toString());
            }
        }
        boolean storeResult = control.storesResult(env, def);
        if (!run.earlyAcked) {
            if (!storeResult) {
                // The task no longer needs a slot or a buffer place: the next one may be fetched meanwhile.
                runs.releasePlace(run);
                acker.submit(run.delivery, new Acker.Done() {
                    @Override
                    public void acked() {
                        try {
                            succeeded(run, meters);
                        } finally {
                            runs.cleanup(run);
                        }
                    }

                    @Override
                    public void failed(RuntimeException e) {
                        try {
                            log.error("task {} ({}) succeeded but its acknowledgement failed; it stays leased and will"
                                    + " be redelivered after {}: {}", env.id(), env.task(), config.lease(), e.toString());
                        } finally {
                            runs.cleanup(run);
                        }
                    }
                });
                return true;
            }
            acker.ackAndWait(run.delivery);
        }
        succeeded(run, meters);
        if (storeResult) {
            String json;
            try {
                json = codec.mapper().writeValueAsString(value);
            } catch (JsonProcessingException | RuntimeException e) {
                log.error("task {} ({}) succeeded but its result of type {} cannot be written as JSON: {}", env.id(),
                        env.task(), value == null ? "null" : value.getClass().getName(), e.toString());
                storeResult(env, TaskState.FAILURE, null, "result cannot be written as JSON: " + Failures.summary(e));
                return false;
            }
            storeResult(env, TaskState.SUCCESS, json, null);
        }
        return false;
    }

    private void succeeded(Run run, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        meters.succeeded.increment();
        if (run.leaseLost) {
            log.warn("task {} ({}) finished after its lease was lost; another worker may have run it as well",
                    env.id(), env.task());
        }
        if (log.isDebugEnabled()) {
            log.debug("task {} ({}) succeeded in {} ms", env.id(), env.task(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - run.startedNanos));
        }
    }

    private void fail(Run run, TaskDefinition def, Throwable failure, WorkerMetrics.TaskMeters meters) {
        Envelope env = run.envelope;
        releaseKey(run);
        if (control.settleIfTerminated(run)) {
            return;
        }
        RetryPolicy policy = def.retryPolicy();
        boolean requested = failure instanceof RetryRequested;
        Throwable reported = requested && failure.getCause() != null ? failure.getCause() : failure;
        if (!requested) {
            meters.failed.increment();
        }
        int attempt = env.attempt();
        int maxRetries = run.maxRetries;
        boolean retryable = requested || policy.retries(failure);
        if (retryable && attempt < maxRetries) {
            Duration delay = requested ? ((RetryRequested) failure).countdown()
                    : policy.delay(attempt + 1, () -> ThreadLocalRandom.current().nextDouble());
            if (delay == null || delay.isNegative()) {
                delay = Duration.ZERO;
            }
            Instant eta = clock.instant().plus(delay);
            String payload = codec.encode(env.nextAttempt(eta));
            if (run.earlyAcked) {
                broker.publish(new OutboundMessage(env.id(), run.delivery.queue(), env.priority(), eta, payload));
            } else {
                settler.retry(run.delivery, payload, delay);
            }
            meters.retried.increment();
            hooks.retried(run.hookView(), reported, delay);
            log.info("task {} ({}) {} on attempt {} of {}: {}; retrying in {}", env.id(), env.task(),
                    requested ? "asked to retry" : "failed", attempt + 1, maxRetries + 1,
                    requested ? (reported == failure ? "retry requested" : Failures.summary(reported))
                            : Failures.summary(failure), delay);
            if (control.storesResult(env, def)) {
                storeResult(env, TaskState.RETRY, null, requested && reported == failure ? "retry requested"
                        : Failures.summary(reported));
            }
            return;
        }
        String why;
        String tag;
        if (!retryable) {
            why = "failed on attempt " + (attempt + 1) + " with an exception its retry policy does not retry";
            tag = "not_retryable";
        } else {
            why = "retries exhausted after " + (attempt + 1) + " attempt(s) (maxRetries " + maxRetries + ")";
            tag = "retries_exhausted";
        }
        String reason = why + ": " + (requested && reported == failure ? "retry requested" : Failures.withTrace(reported));
        if (run.earlyAcked) {
            metrics.deadLettered(def.name(), run.delivery.queue(), tag);
            log.error("task {} ({}) {}; it was acknowledged before it ran (acksLate=false), so it is not"
                    + " dead-lettered", env.id(), env.task(), reason);
        } else {
            settler.deadLetter(run.delivery, reason);
            metrics.deadLettered(def.name(), run.delivery.queue(), tag);
            log.error("task {} ({}) dead-lettered from queue {}: {}", env.id(), env.task(), run.delivery.queue(),
                    reason);
            hooks.deadLettered(run.hookTask(), reason);
        }
        storeResult(env, TaskState.FAILURE, null, Failures.summary(reported));
    }

    private void releaseKey(Run run) {
        if (run.claimedKey == null) {
            return;
        }
        try {
            broker.idempotency().release(run.claimedKey, run.claimOwner);
        } catch (RuntimeException e) {
            log.warn("could not release idempotency key '{}' of task {} ({}); it lapses after {}", run.claimedKey,
                    run.taskId(), e.toString(), config.lease());
        }
    }

    /** Dead-letters a delivery that cannot be run (malformed, poison, unknown, bad arguments), unless settled. */
    void deadLetter(Run run, String metricTask, String tag, String reason) {
        if (!run.settle()) {
            return;
        }
        try {
            settler.deadLetter(run.delivery, reason);
            metrics.deadLettered(metricTask, run.delivery.queue(), tag);
            log.error("task {} ({}) dead-lettered from queue {}: {}", run.taskId(), run.taskName(),
                    run.delivery.queue(), reason);
            hooks.deadLettered(run.hookTask(), reason);
            if (run.envelope != null) {
                storeResult(run.envelope, TaskState.FAILURE, null, reason);
            }
        } finally {
            runs.cleanup(run);
        }
    }

    /**
     * Stores the task's state (a failure to store is logged, not thrown); a final state other than success
     * also ends the rest of its workflow ({@link Control#ended}).
     */
    void storeResult(Envelope env, TaskState state, String value, String error) {
        try {
            settler.putResult(new StoredResult(env.id(), env.task(), state, value, error, clock.instant()),
                    config.resultTtl());
        } catch (RuntimeException e) {
            log.warn("could not store state {} of task {} ({}): {}", state, env.id(), env.task(), e.toString());
        }
        if (state.isFinal() && state != TaskState.SUCCESS) {
            control.ended(env, state, error);
        }
    }

    /** Settles a run abandoned past its hard limit, as a failure with {@link TimeLimitExceeded}. */
    void settleAbandoned(Run run) {
        Envelope env = run.envelope;
        TaskDefinition def = run.definition;
        MDC.put("taskId", LogSafe.escape(env.id()));
        MDC.put("taskName", LogSafe.escape(env.task()));
        MDC.put("queue", run.delivery.queue());
        try {
            TimeLimitExceeded e = new TimeLimitExceeded("task " + env.id() + " (" + env.task()
                    + ") passed its hard time limit of " + def.timeLimit().orElse(null) + " and was abandoned");
            fail(run, def, e, metrics.task(def.name(), run.delivery.queue()));
        } catch (Throwable t) {
            log.error("could not settle task {} ({}) abandoned past its hard time limit; it will be redelivered after"
                    + " its lease runs out", env.id(), env.task(), t);
        } finally {
            runs.cleanup(run);
            MDC.clear();
        }
    }

    /**
     * A failure of the worker itself while handling a delivery (not of the task: those follow the retry
     * policy). A broker failure leaves the task leased, to be redelivered after the lease; any other error is
     * a defect that would recur on every delivery, so the task is dead-lettered at once with the error as
     * the reason (replayable once fixed) instead of looping until the poison limit.
     */
    void unexpected(Run run, Throwable t) {
        if (t instanceof Settler.GaveUp) {
            log.warn("task {} ({}) not settled: {}; it stays leased and will be redelivered after {}", run.taskId(),
                    run.taskName(), t.getMessage(), config.lease());
            if (run.settle()) {
                runs.cleanup(run);
            }
            return;
        }
        if (t instanceof BrokerException || t instanceof VirtualMachineError) {
            log.error("error handling task {} ({}) from queue {}; it stays leased and will be redelivered after {}",
                    run.taskId(), run.taskName(), run.delivery.queue(), config.lease(), t);
            if (run.settle()) {
                runs.cleanup(run);
            }
            return;
        }
        log.error("unexpected error handling task {} ({}) from queue {}; dead-lettering it", run.taskId(),
                run.taskName(), run.delivery.queue(), t);
        try {
            String metricTask = run.envelope == null ? WorkerMetrics.UNKNOWN_TASK : config.registry()
                    .find(run.envelope.task()).map(TaskDefinition::name).orElse(WorkerMetrics.UNKNOWN_TASK);
            deadLetter(run, metricTask, "worker_error",
                    "unexpected error in the worker: " + Failures.oneLine(String.valueOf(t)));
        } catch (RuntimeException e) {
            log.error("could not dead-letter task {} ({}); it stays leased and will be redelivered after {}: {}",
                    run.taskId(), run.taskName(), config.lease(), e.toString());
        }
    }
}
