package dev.tasks.beat;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.beat.internal.DefaultBeat;
import dev.tasks.spi.Broker;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The periodic scheduler: enqueues the tasks of its {@link Schedule}s when their slots come.
 *
 * <pre>{@code
 * try (Beat beat = Beat.builder().tasks(tasks).schedules(nightly, sweep).build()) {
 *     beat.start();
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Several instances.</b> Any number of beats may run against one broker; a lease-based leader lock
 * ({@link Broker#leaderLock()}, name {@value #DEFAULT_LOCK_NAME} by default) lets exactly one of them
 * enqueue. The leader renews its lease every third of the lock TTL; when it dies, a standby takes over
 * within the TTL; a leader whose renewal fails stops enqueueing at once. Every slot is first recorded with
 * a write fenced by the lease ({@link dev.tasks.spi.StateStore#putFenced}), and the lease is checked again
 * right before the enqueue, so a leader that was paused past its lease does not enqueue after it lost the
 * lock. A new leader fires every slot that came due while no beat was enqueueing and is within the grace
 * period, each once and in order, so a failover misses no slot. Each enqueue carries the idempotency key
 * {@code <schedule>@<slot>}, so a slot whose enqueue is repeated (a failover between recording and
 * enqueueing, a restart) still runs once on the workers.
 *
 * <p><b>State.</b> The last handled slot of each schedule is kept in the broker's state store under
 * {@code beat:last:<schedule>}. A schedule seen for the first time starts from the current time (past
 * slots are not fired). Slots older than the grace period (downtime) are handled by each schedule's
 * {@link MissedRunPolicy}. For operators, the leader also writes a {@link dev.tasks.spi.BeatStatus} (itself,
 * its lease, each schedule's last slot and next fire times) under {@code beat:status:<lock name>}, which the
 * dashboard's schedules page shows; scheduling never reads it.
 *
 * <p><b>Threads.</b> {@link #start()} runs one thread ({@code tasks-beat}) that sleeps until the next
 * due slot or lease renewal, at most {@link Builder#tick} at a time; it never busy-spins. The loop
 * survives broker failures (logged, retried with backoff). Thread-safe.
 */
public interface Beat extends AutoCloseable {

    /** Default leader-lock name. */
    String DEFAULT_LOCK_NAME = dev.tasks.spi.BeatStatus.DEFAULT_LOCK_NAME;
    /** Default leader-lock TTL: 30 seconds. A dead leader is replaced within this time. */
    Duration DEFAULT_LOCK_TTL = Duration.ofSeconds(30);
    /** Default longest sleep between checks: 1 second. */
    Duration DEFAULT_TICK = Duration.ofSeconds(1);
    /** Smallest default grace period: 1 minute (the default is the larger of this and twice the lock TTL). */
    Duration MIN_DEFAULT_GRACE = Duration.ofMinutes(1);

    /** A new builder. Not thread-safe. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the scheduling thread. Safe to call twice (the second call does nothing).
     *
     * @throws IllegalStateException if the beat was stopped (build a new one)
     */
    void start();

    /**
     * Warm stop: ends the scheduling thread (waiting for an enqueue in progress to finish) and releases
     * the leader lock at once, so a standby takes over without waiting for the lease to expire. Safe to
     * call twice, and before {@link #start()}.
     */
    void stop();

    /** Same as {@link #stop()}. Does not close the client or the broker. */
    @Override
    void close();

    /**
     * True while this instance holds the leader lock (and so may enqueue): it acquired or renewed its lease
     * less than the lock TTL ago, by its clock, and has not seen it lost since.
     */
    boolean isLeader();

    /** This instance's owner id in the leader lock. */
    String owner();

    /** The schedules, in the order given. */
    List<Schedule> schedules();

    /** The next {@code count} fire times of every schedule after the clock's current time, by schedule name. */
    Map<String, List<ZonedDateTime>> nextFireTimes(int count);

    /** Prints {@link #nextFireTimes} (see {@link #dryRun(Collection, Instant, int, PrintStream)}). */
    void dryRun(int count, PrintStream out);

    /**
     * Prints the next {@code count} fire times of every schedule after {@code from}, without a broker: a
     * line describing each schedule, then one indented line per fire time (ISO-8601 with offset and zone).
     */
    static void dryRun(Collection<Schedule> schedules, Instant from, int count, PrintStream out) {
        for (Schedule s : schedules) {
            out.println(s);
            List<ZonedDateTime> times = s.nextFireTimes(from, count);
            if (times.isEmpty()) {
                out.println("  (never fires again)");
            }
            for (ZonedDateTime t : times) {
                out.println("  " + DateTimeFormatter.ISO_ZONED_DATE_TIME.format(t) + "  (" + t.toInstant() + ")");
            }
        }
        out.flush();
    }

    /** The next fire times of every schedule after {@code from}, by schedule name, in the given order. */
    static Map<String, List<ZonedDateTime>> nextFireTimes(Collection<Schedule> schedules, Instant from, int count) {
        Map<String, List<ZonedDateTime>> out = new LinkedHashMap<>();
        for (Schedule s : schedules) {
            out.put(s.name(), s.nextFireTimes(from, count));
        }
        return out;
    }

    /** Builds a {@link Beat}. Not thread-safe; {@link #build()} validates and snapshots the configuration. */
    final class Builder {
        private Tasks tasks;
        private Broker broker;
        private final List<Schedule> schedules = new ArrayList<>();
        private TaskRegistry registry;
        private Clock clock = Clock.systemUTC();
        private Duration lockTtl = DEFAULT_LOCK_TTL;
        private String lockName = DEFAULT_LOCK_NAME;
        private Duration grace;
        private Duration tick = DEFAULT_TICK;
        private String owner;

        private Builder() {}

        /** The client that enqueues (required). */
        public Builder tasks(Tasks tasks) {
            this.tasks = Objects.requireNonNull(tasks, "tasks");
            return this;
        }

        /** The broker holding the leader lock and the schedule state (default: the client's broker). */
        public Builder broker(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** Adds schedules. */
        public Builder schedules(Schedule... schedules) {
            return schedules(List.of(schedules));
        }

        /** Adds schedules. */
        public Builder schedules(Collection<Schedule> schedules) {
            for (Schedule s : schedules) {
                this.schedules.add(Objects.requireNonNull(s, "schedule"));
            }
            return this;
        }

        /**
         * Checks every schedule's task name (and arguments) against these tasks at {@link #build()}; without
         * a registry, unknown names are only found by the workers.
         */
        public Builder registry(TaskRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The clock slots are computed with (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The leader lease's TTL (default 30 s, at least 1 s); renewed every third of it. */
        public Builder lockTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("lockTtl must be >= 1s, was " + ttl);
            }
            this.lockTtl = ttl;
            return this;
        }

        /** The leader lock's name (default {@value Beat#DEFAULT_LOCK_NAME}); beats with the same name share one leader. */
        public Builder lockName(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("lockName must not be blank");
            }
            this.lockName = name;
            return this;
        }

        /**
         * How late a slot may be and still fire normally; older slots are missed and handled by the
         * schedule's {@link MissedRunPolicy}. Every slot within it fires, so after a failover the new leader
         * sends each slot that came due meanwhile. Default: the larger of 1 minute and twice the lock TTL, so
         * a failover does not count as downtime.
         */
        public Builder gracePeriod(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("gracePeriod must be >= 0, was " + grace);
            }
            this.grace = grace;
            return this;
        }

        /**
         * The longest sleep between checks (default 1 s, at least 1 ms). A failed step (broker unreachable)
         * is retried with exponential backoff from one tick to 32 ticks, at most 30 s.
         */
        public Builder tick(Duration tick) {
            Objects.requireNonNull(tick, "tick");
            if (tick.toMillis() < 1) {
                throw new IllegalArgumentException("tick must be >= 1ms, was " + tick);
            }
            this.tick = tick;
            return this;
        }

        /** This instance's owner id in the leader lock (default: host name, process id and a random suffix). */
        public Builder owner(String owner) {
            Objects.requireNonNull(owner, "owner");
            if (owner.isBlank()) {
                throw new IllegalArgumentException("owner must not be blank");
            }
            this.owner = owner;
            return this;
        }

        /**
         * The beat (not started).
         *
         * @throws IllegalStateException when no client was given
         * @throws ConfigurationException naming the schedule, when two schedules share a name, or (with a
         *     {@link #registry}) a schedule's task is unknown or its arguments do not fit the task
         */
        public Beat build() {
            if (tasks == null) {
                throw new IllegalStateException("Beat.builder(): set tasks(..), the client that enqueues");
            }
            Broker b = broker != null ? broker : tasks.broker();
            if (b == null) {
                throw new IllegalStateException("Beat.builder(): the client has no broker (eager mode?); set broker(..)");
            }
            Set<String> names = new HashSet<>();
            for (Schedule s : schedules) {
                if (!names.add(s.name())) {
                    throw new ConfigurationException("schedule '" + s.name() + "' is declared twice; schedule names"
                            + " must be unique");
                }
                if (registry != null) {
                    DefaultBeat.checkTask(s, registry);
                }
            }
            Duration g = grace != null ? grace
                    : lockTtl.multipliedBy(2).compareTo(MIN_DEFAULT_GRACE) > 0 ? lockTtl.multipliedBy(2) : MIN_DEFAULT_GRACE;
            return new DefaultBeat(tasks, b, List.copyOf(schedules), clock, lockName, lockTtl, g, tick,
                    owner != null ? owner : DefaultBeat.defaultOwner());
        }
    }
}
