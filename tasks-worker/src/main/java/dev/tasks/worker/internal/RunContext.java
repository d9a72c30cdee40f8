package dev.tasks.worker.internal;

import dev.tasks.RetryRequested;
import dev.tasks.TaskContext;
import dev.tasks.message.Envelope;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The {@link TaskContext} of one run, bound to the slot thread while the task body runs. */
final class RunContext implements TaskContext {
    private final Run run;
    private final Envelope envelope;

    RunContext(Run run) {
        this.run = run;
        this.envelope = run.envelope;
    }

    @Override
    public String taskId() {
        return envelope.id();
    }

    @Override
    public String taskName() {
        return envelope.task();
    }

    @Override
    public String queue() {
        return run.delivery.queue();
    }

    @Override
    public int attempt() {
        return envelope.attempt();
    }

    @Override
    public int retriesLeft() {
        return Math.max(0, run.maxRetries - envelope.attempt());
    }

    @Override
    public Map<String, String> headers() {
        return envelope.headers();
    }

    @Override
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(envelope.idempotencyKey());
    }

    @Override
    public boolean isSoftTimeLimitExceeded() {
        return run.softLimitExceeded;
    }

    @Override
    public RetryRequested retry(Duration countdown) {
        return retry(countdown, null);
    }

    @Override
    public RetryRequested retry(Duration countdown, Throwable cause) {
        Objects.requireNonNull(countdown, "countdown");
        if (countdown.isNegative()) {
            throw new IllegalArgumentException("retry countdown must be >= 0, was " + countdown + " (task "
                    + taskId() + ", " + taskName() + ")");
        }
        throw new RetryRequested(countdown, cause);
    }

    @Override
    public String toString() {
        return "TaskContext[" + taskId() + " " + taskName() + " attempt " + attempt() + "]";
    }
}
