package dev.tasks.beat;

import dev.tasks.ConfigurationException;
import dev.tasks.EnqueueOptions;
import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.beat.internal.CronTrigger;
import dev.tasks.beat.internal.IntervalTrigger;
import dev.tasks.beat.internal.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One periodic task: what to enqueue, when, in which time zone, with which options, and what to do with
 * runs missed during downtime. Immutable and thread-safe.
 *
 * <pre>{@code
 * Schedule nightly = Schedule.builder("nightly-report")
 *         .task("reports.nightly", "pdf")
 *         .cron("30 2 * * *")
 *         .zone(ZoneId.of("Europe/Paris"))
 *         .missed(MissedRunPolicy.RUN_ONCE)
 *         .build();
 * Schedule sweep = Schedule.builder("sweep")
 *         .task(tasks.signature(CartTasks.class, t -> t.sweepAbandoned(30)))
 *         .every(Duration.ofMinutes(5))
 *         .queue("maintenance")
 *         .build();
 * }</pre>
 *
 * <p><b>Cron</b> expressions have 5 fields ({@code minute hour day-of-month month day-of-week}, as in
 * Unix crontab) or 6 (a seconds field first), or are one of the macros {@code @yearly}, {@code @annually},
 * {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight}, {@code @hourly}. They are read
 * in the schedule's zone (default UTC). Daylight saving is handled as Vixie cron does: a local time
 * skipped by a spring-forward transition fires once, shifted forward by the gap (02:30 becomes 03:30);
 * a local time repeated by a fall-back transition fires once, at its first occurrence, except when the
 * hour field is {@code *} (then the schedule runs in both passes of the repeated hour).
 *
 * <p><b>Intervals</b> are aligned to the epoch: slots are at {@code 1970-01-01T00:00:00Z + k * interval},
 * so every beat instance computes the same slots ({@code every(Duration.ofHours(1))} fires on the hour,
 * UTC). The zone does not affect intervals.
 *
 * <p>Every slot is enqueued with the idempotency key {@code <name>@<slot as ISO-8601 instant>} (e.g.
 * {@code nightly-report@2026-03-08T07:30:00Z}), replacing any key set in the options, and with the headers
 * {@value #HEADER_SCHEDULE} and {@value #HEADER_SLOT}.
 */
public final class Schedule {
    /** Header naming the schedule that enqueued a task. */
    public static final String HEADER_SCHEDULE = "beat-schedule";
    /** Header carrying the slot (ISO-8601 instant) a task was enqueued for. */
    public static final String HEADER_SLOT = "beat-slot";
    /** The default time zone of cron expressions. */
    public static final ZoneId DEFAULT_ZONE = ZoneOffset.UTC;
    /** The default missed-run policy. */
    public static final MissedRunPolicy DEFAULT_MISSED_RUN_POLICY = MissedRunPolicy.SKIP;
    /** The longest schedule name; keeps the idempotency key well within its limit. */
    public static final int MAX_NAME_LENGTH = 200;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    private final String name;
    private final Signature signature;
    private final String cron;
    private final Duration interval;
    private final ZoneId zone;
    private final EnqueueOptions options;
    private final MissedRunPolicy missedRunPolicy;
    private final Trigger trigger;
    private final String description;

    private Schedule(Builder b, Trigger trigger, String description) {
        this.name = b.name;
        this.signature = b.signature;
        this.cron = b.cron;
        this.interval = b.interval;
        this.zone = b.zone;
        this.options = b.options;
        this.missedRunPolicy = b.missed;
        this.trigger = trigger;
        this.description = description;
    }

    /**
     * A builder for a schedule called {@code name}: letters, digits, {@code . _ : -}, starting with a letter
     * or digit, at most {@value #MAX_NAME_LENGTH} characters. The name identifies the schedule's state in the
     * broker and its idempotency keys: renaming a schedule starts it afresh. Not thread-safe.
     *
     * @throws ConfigurationException if the name is not valid
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The schedule's name. */
    public String name() {
        return name;
    }

    /** The task call it enqueues (without the per-slot idempotency key). */
    public Signature signature() {
        return signature;
    }

    /** The task name. */
    public String taskName() {
        return signature.taskName();
    }

    /** The cron expression, if this is a cron schedule. */
    public Optional<String> cron() {
        return Optional.ofNullable(cron);
    }

    /** The interval, if this is an interval schedule. */
    public Optional<Duration> interval() {
        return Optional.ofNullable(interval);
    }

    /** The time zone cron expressions are read in (default UTC). */
    public ZoneId zone() {
        return zone;
    }

    /** The enqueue options (queue, priority, expiry, headers) applied to every run. */
    public EnqueueOptions options() {
        return options;
    }

    /** What happens to runs missed while no beat was enqueueing. */
    public MissedRunPolicy missedRunPolicy() {
        return missedRunPolicy;
    }

    /** The first slot strictly after {@code instant}, or empty if the schedule never fires again. */
    public Optional<Instant> nextAfter(Instant instant) {
        return trigger.nextAfter(Objects.requireNonNull(instant, "instant"));
    }

    /** The next {@code count} slots strictly after {@code instant}, in the schedule's zone (fewer if it ends). */
    public List<ZonedDateTime> nextFireTimes(Instant instant, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        List<ZonedDateTime> out = new ArrayList<>(count);
        Instant t = Objects.requireNonNull(instant, "instant");
        while (out.size() < count) {
            Optional<Instant> next = trigger.nextAfter(t);
            if (next.isEmpty()) {
                break;
            }
            t = next.get();
            out.add(t.atZone(zone));
        }
        return out;
    }

    /** The idempotency key of one slot: {@code <name>@<slot>}. */
    public String idempotencyKey(Instant slot) {
        return name + "@" + slot;
    }

    /**
     * The signature to send for one slot: the task with the schedule's options, the slot's idempotency
     * key and the beat headers.
     */
    public Signature signatureFor(Instant slot) {
        EnqueueOptions o = options.idempotencyKey(idempotencyKey(slot))
                .header(HEADER_SCHEDULE, name)
                .header(HEADER_SLOT, slot.toString());
        return signature.options(o);
    }

    /** A one-line description: name, task, timing, policy. */
    @Override
    public String toString() {
        return description;
    }

    /** Builds a {@link Schedule}. Not thread-safe; {@link #build()} validates and snapshots. */
    public static final class Builder {
        private final String name;
        private Signature signature;
        private String cron;
        private Duration interval;
        private ZoneId zone = DEFAULT_ZONE;
        private EnqueueOptions options = EnqueueOptions.defaults();
        private MissedRunPolicy missed = DEFAULT_MISSED_RUN_POLICY;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
                throw new ConfigurationException("schedule name '" + name + "' is not valid: use 1 to " + MAX_NAME_LENGTH
                        + " letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
            }
            this.name = name;
        }

        /** Enqueues {@code taskName} with these positional arguments (JSON-encodable values). */
        public Builder task(String taskName, Object... args) {
            this.signature = Signature.of(taskName, args);
            return this;
        }

        /**
         * Enqueues this call, e.g. a type-safe one from
         * {@link Tasks#signature(Class, java.util.function.Consumer)}. Options carried by the signature
         * apply, under those given to {@link #options}. Made with the {@code signature} method of the client
         * the beat enqueues with (the one a {@link ScheduleProvider} is given), the task's own queue and
         * settings apply.
         */
        public Builder task(Signature signature) {
            this.signature = Objects.requireNonNull(signature, "signature");
            return this;
        }

        /** Fires on a cron expression (see the class description); replaces an interval. Checked by {@link #build()}. */
        public Builder cron(String expression) {
            this.cron = Objects.requireNonNull(expression, "expression");
            this.interval = null;
            return this;
        }

        /** Fires every {@code interval} (whole seconds, at least one), epoch-aligned; replaces a cron. */
        public Builder every(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.getNano() != 0 || interval.getSeconds() < 1) {
                throw new ConfigurationException("schedule '" + name + "': interval must be a whole number of seconds"
                        + " >= 1s, was " + interval);
            }
            this.interval = interval;
            this.cron = null;
            return this;
        }

        /** The time zone of the cron expression (default UTC). */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /** Options for every run (queue, priority, expiry, headers); any idempotency key is replaced per slot. */
        public Builder options(EnqueueOptions options) {
            this.options = this.options.merge(Objects.requireNonNull(options, "options"));
            return this;
        }

        /** Sends every run to this queue, overriding the routing rules. */
        public Builder queue(String queue) {
            this.options = this.options.queue(queue);
            return this;
        }

        /** What to do with runs missed during downtime (default {@link MissedRunPolicy#SKIP}). */
        public Builder missed(MissedRunPolicy policy) {
            this.missed = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The schedule.
         *
         * @throws ConfigurationException naming the schedule when the task or the timing is missing, or the
         *     cron expression is invalid
         */
        public Schedule build() {
            if (signature == null) {
                throw new ConfigurationException("schedule '" + name + "': no task given; call task(..)");
            }
            Trigger trigger;
            String timing;
            if (cron != null) {
                CronTrigger t;
                try {
                    t = CronTrigger.parse(cron, zone);
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException("schedule '" + name + "': " + e.getMessage(), e);
                }
                trigger = t;
                timing = t.describe();
            } else if (interval != null) {
                IntervalTrigger t = new IntervalTrigger(interval);
                trigger = t;
                timing = t.describe();
            } else {
                throw new ConfigurationException("schedule '" + name + "': no timing given; call cron(..) or every(..)");
            }
            String description = name + " (" + signature.taskName() + ", " + timing + ", missed runs: " + missed
                    + options.queue().map(q -> ", queue " + q).orElse("") + ")";
            return new Schedule(this, trigger, description);
        }
    }
}
