package dev.tasks;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a {@link TaskModule} interface as a task.
 *
 * <p>The task's name is the wire contract between producers and workers: it defaults to
 * {@code <module>.<method>} and can be pinned with {@link #name()}; {@link #aliases()} keeps old names
 * working across a rename. Durations are ISO-8601 strings ({@code "PT30S"}, {@code "PT1H"}); an empty
 * string means "not set". Every value is validated when the interface is registered: a bad value fails
 * with a {@link TaskDefinitionException} naming the method, never later at run time.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Task {

    /** The task's wire name; defaults to {@code <module>.<method>}. */
    String name() default "";

    /** Former names of this task, still accepted by workers (for renames during rolling deploys). */
    String[] aliases() default {};

    /** The queue; defaults to the routing rules, then the module's default queue, then {@code default}. */
    String queue() default "";

    /** How many times a failed run is retried before the task is dead-lettered. */
    int maxRetries() default 3;

    /** Delay before the first retry (ISO-8601); later retries grow by {@link #backoff()}. */
    String retryBackoff() default "PT1S";

    /** How retry delays grow. */
    Backoff backoff() default Backoff.EXPONENTIAL;

    /** Upper bound of a retry delay (ISO-8601). */
    String retryBackoffMax() default "PT10M";

    /** Whether retry delays are randomised ("full jitter" between half and all of the computed delay). */
    boolean retryJitter() default true;

    /** Exceptions that cause a retry (subclasses included); default: any exception. */
    Class<? extends Throwable>[] retryOn() default {Exception.class};

    /** Exceptions that never cause a retry; they win over {@link #retryOn()}. */
    Class<? extends Throwable>[] dontRetryOn() default {};

    /** Soft time limit (ISO-8601): the task is interrupted and can clean up. Empty: none. */
    String softTimeLimit() default "";

    /** Hard time limit (ISO-8601): the run is abandoned and fails with {@link TimeLimitExceeded}. Empty: none. */
    String timeLimit() default "";

    /** Default time to live of an enqueued task (ISO-8601): it is dropped, not run, after this. Empty: never. */
    String expires() default "";

    /** Default priority, {@value Priority#MIN} (lowest) to {@value Priority#MAX} (highest). */
    int priority() default Priority.DEFAULT;

    /** How an idempotency key is derived when the caller gives none. */
    IdempotencyPolicy idempotency() default IdempotencyPolicy.EXPLICIT;

    /** How long a finished idempotency key is remembered (ISO-8601). */
    String idempotencyRetention() default "P1D";

    /**
     * Late acknowledgement (default): the task is acknowledged after it finished, so a worker crash
     * redelivers it. With {@code false} it is acknowledged before it runs: at-most-once.
     */
    boolean acksLate() default true;

    /**
     * Whether the worker records this task's state and result (see {@link TaskHandle#await}) even though
     * the method returns nothing. Tasks that return a value, and tasks of workflows, are always recorded.
     */
    boolean storeResult() default false;

    /**
     * Rate limit across all workers: {@code "<n>/s"}, {@code "<n>/m"}, {@code "<n>/h"}, {@code "<n>/d"} or
     * {@code "<n>/<ISO-8601 duration>"}; empty: none. Runs are spaced evenly ({@code "100/s"}: one per
     * 10 ms); a task over the limit is put back with a delay until its reserved slot, without counting as
     * an attempt and without holding a worker slot. The counter lives in the broker.
     */
    String rateLimit() default "";

    /**
     * What the rate limit is counted per: empty (the default) for the task as a whole, or
     * {@code "arg:<i>"} (the value of argument {@code i}), or {@code "arg:<i>.<field>[.<field>...]"} (a field
     * of it), e.g. {@code "arg:0"} for one limit per customer id.
     */
    String rateLimitKey() default "";

    /**
     * The most runs of this task at the same time across all workers; 0 (the default): no limit. Slots are
     * leases in the broker, renewed by the running worker, so the slots of a worker that died come back
     * after its lease. A task that finds no slot is put back with a short delay, not counting as an attempt.
     */
    int concurrency() default 0;
}
