package dev.tasks.beat.internal;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.TasksException;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.BeatStatus;
import dev.tasks.spi.Broker;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.LeaderLock.LockLease;
import dev.tasks.spi.StateStore;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Beat} implementation. Internal: use {@link Beat#builder()}. Thread-safe: the public methods
 * may be called from any thread; all scheduling state is confined to the scheduling thread.
 */
public final class DefaultBeat implements Beat {
    private static final Logger log = LogSafe.logger(Beat.class);
    /** State key prefix: {@code beat:last:<schedule>} holds the last handled slot. */
    public static final String LAST_KEY_PREFIX = "beat:last:";
    /** Suffix of a recorded slot whose enqueue has not been confirmed yet. */
    static final String PENDING_SUFFIX = " pending";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    /** How many next fire times of each schedule the {@link BeatStatus} carries. */
    static final int STATUS_NEXT_TIMES = 3;

    private enum State { NEW, RUNNING, STOPPED }

    private final Tasks tasks;
    private final Broker broker;
    private final LeaderLock lock;
    private final StateStore state;
    private final List<Schedule> schedules;
    private final Clock clock;
    private final String lockName;
    private final Duration lockTtl;
    private final Duration renewEvery;
    private final Duration grace;
    private final Duration tick;
    private final String owner;

    private final ReentrantLock mutex = new ReentrantLock();
    private final Condition wake = mutex.newCondition();
    private State lifecycle = State.NEW;
    private Thread thread;
    /** Until when this instance's lease holds by its own reckoning; null on standby. */
    private volatile Instant leaderUntil;

    // Confined to the scheduling thread.
    private LockLease lease;
    private Instant renewedAt;
    private final Map<String, Instant> lastHandled = new HashMap<>();
    private final Map<String, Instant> pending = new HashMap<>();
    private int failures;
    /** What the last {@link BeatStatus} written said; null when none was written under the current lease. */
    private Instant statusRenewedAt;
    private Map<String, Instant> statusHandled = Map.of();
    private Map<String, Instant> statusPending = Map.of();

    public DefaultBeat(Tasks tasks, Broker broker, List<Schedule> schedules, Clock clock, String lockName,
            Duration lockTtl, Duration grace, Duration tick, String owner) {
        this.tasks = tasks;
        this.broker = broker;
        this.lock = broker.leaderLock();
        this.state = broker.state();
        this.schedules = schedules;
        this.clock = clock;
        this.lockName = lockName;
        this.lockTtl = lockTtl;
        this.renewEvery = lockTtl.dividedBy(3);
        this.grace = grace;
        this.tick = tick;
        this.owner = owner;
    }

    /** The default owner id: host name, process id and a random suffix. */
    public static String defaultOwner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
    }

    /**
     * Checks a schedule's task name and arguments against a registry.
     *
     * @throws ConfigurationException naming the schedule
     */
    public static void checkTask(Schedule s, TaskRegistry registry) {
        Optional<TaskDefinition> d = registry.find(s.taskName());
        if (d.isEmpty()) {
            throw new ConfigurationException("schedule '" + s.name() + "': unknown task '" + s.taskName() + "'; it is not"
                    + " among the " + registry.definitions().size() + " registered tasks (check the name or declare its"
                    + " interface)");
        }
        try {
            d.get().decodeArgs(EnvelopeCodec.json().encodeArgs(s.signature().args().toArray()));
        } catch (TasksException | IllegalArgumentException e) {
            throw new ConfigurationException("schedule '" + s.name() + "': arguments do not fit task '" + s.taskName()
                    + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void start() {
        mutex.lock();
        try {
            if (lifecycle == State.RUNNING) {
                return;
            }
            if (lifecycle == State.STOPPED) {
                throw new IllegalStateException("beat " + owner + " is stopped and cannot be restarted; build a new one");
            }
            lifecycle = State.RUNNING;
            thread = new Thread(this::run, "tasks-beat");
            thread.start();
        } finally {
            mutex.unlock();
        }
        log.info("beat {} started: {} schedule(s) {}, lock '{}' on {} (ttl {}, renewed every {}), grace {}, tick {}",
                owner, schedules.size(), schedules.stream().map(Schedule::name).toList(), lockName, broker.describe(),
                lockTtl, renewEvery, grace, tick);
    }

    @Override
    public void stop() {
        Thread t;
        mutex.lock();
        try {
            if (lifecycle != State.RUNNING) {
                lifecycle = State.STOPPED;
                return;
            }
            lifecycle = State.STOPPED;
            t = thread;
            wake.signalAll();
        } finally {
            mutex.unlock();
        }
        if (t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(STOP_WAIT.toMillis());
            if (t.isAlive()) {
                log.warn("beat {}: the scheduling thread did not stop within {}; interrupting it", owner, STOP_WAIT);
                t.interrupt();
                t.join(STOP_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public boolean isLeader() {
        Instant until = leaderUntil;
        return until != null && clock.instant().isBefore(until);
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public List<Schedule> schedules() {
        return schedules;
    }

    @Override
    public Map<String, List<ZonedDateTime>> nextFireTimes(int count) {
        return Beat.nextFireTimes(schedules, clock.instant(), count);
    }

    @Override
    public void dryRun(int count, PrintStream out) {
        Beat.dryRun(schedules, clock.instant(), count, out);
    }

    private boolean running() {
        mutex.lock();
        try {
            return lifecycle == State.RUNNING;
        } finally {
            mutex.unlock();
        }
    }

    // ---- the scheduling thread ----------------------------------------------------------------------

    private void run() {
        try {
            while (running() && !Thread.currentThread().isInterrupted()) {
                Duration sleep;
                try {
                    sleep = iterate();
                    failures = 0;
                } catch (Throwable t) {
                    failures++;
                    sleep = backoff();
                    if (failures == 1) {
                        log.warn("beat {}: scheduling step failed, retrying with backoff: {}", owner, t.toString(), t);
                    } else {
                        log.warn("beat {}: scheduling step failed ({} in a row), retrying in {}: {}", owner, failures,
                                sleep, t.toString());
                    }
                }
                if (!sleep(sleep, failures > 0)) {
                    break;
                }
            }
        } finally {
            releaseLease();
        }
    }

    /** Exponential from one tick, at most 32 ticks and at most {@link #MAX_BACKOFF}. */
    private Duration backoff() {
        Duration d = tick.multipliedBy(1L << Math.min(failures - 1, 5));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /**
     * Waits up to {@code d} (at most one tick unless backing off after a failure); false when stopped or
     * interrupted. {@link #stop()} wakes it at once.
     */
    private boolean sleep(Duration d, boolean backingOff) {
        long nanos = Math.max(1, backingOff ? d.toNanos() : Math.min(d.toNanos(), tick.toNanos()));
        mutex.lock();
        try {
            if (lifecycle != State.RUNNING) {
                return false;
            }
            wake.awaitNanos(nanos);
            return lifecycle == State.RUNNING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            mutex.unlock();
        }
    }

    /** One pass: hold or seek the lock, handle every schedule; returns how long to sleep. */
    private Duration iterate() {
        Instant now = clock.instant();
        if (!holdLease(now)) {
            return renewEvery;
        }
        Instant wakeAt = renewedAt.plus(renewEvery);
        RuntimeException failure = null;
        for (Schedule s : schedules) {
            if (lease == null || !running()) {
                return tick;
            }
            try {
                Instant next = handle(s, now);
                if (next != null && next.isBefore(wakeAt)) {
                    wakeAt = next;
                }
            } catch (RuntimeException e) {
                // One failing schedule (e.g. an enqueue the broker refused) must not hold up the others.
                log.warn("beat {}: schedule '{}' failed at {}: {}", owner, s.name(), now, e.toString(), e);
                failure = e;
            }
        }
        writeStatus();
        if (failure != null) {
            throw failure;
        }
        Duration d = Duration.between(clock.instant(), wakeAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Acquires or renews the leader lease as due; true while this instance may enqueue. */
    private boolean holdLease(Instant now) {
        if (lease == null) {
            Optional<LockLease> l = lock.tryAcquire(lockName, owner, lockTtl);
            if (l.isEmpty()) {
                return false;
            }
            lease = l.get();
            renewedAt = now;
            loadState();
            leaderUntil = now.plus(lockTtl);
            log.info("beat {} is now the leader (lock '{}', fencing token {})", owner, lockName, lease.fencingToken());
            return true;
        }
        if (!now.isBefore(renewedAt.plus(renewEvery))) {
            boolean renewed;
            try {
                renewed = lock.renew(lease, lockTtl);
            } catch (RuntimeException e) {
                if (!now.isBefore(renewedAt.plus(lockTtl))) {
                    lostLease("its lease could not be renewed before it expired (" + e + ")");
                }
                throw e;
            }
            if (!renewed) {
                lostLease("renewing its lease failed: another beat holds the lock or it expired");
                return false;
            }
            renewedAt = now;
            leaderUntil = now.plus(lockTtl);
        }
        return true;
    }

    private void lostLease(String why) {
        log.warn("beat {} lost the leader lock '{}' (fencing token {}): {}; it stopped enqueueing and is on standby",
                owner, lockName, lease.fencingToken(), why);
        lease = null;
        leaderUntil = null;
        lastHandled.clear();
        pending.clear();
        statusRenewedAt = null;
    }

    private void releaseLease() {
        leaderUntil = null;
        if (lease == null) {
            return;
        }
        try {
            lock.release(lease);
            log.info("beat {} released the leader lock '{}'", owner, lockName);
        } catch (RuntimeException e) {
            log.warn("beat {}: releasing the leader lock '{}' failed; a standby takes over when it expires within {}: {}",
                    owner, lockName, lockTtl, e.toString());
        } finally {
            lease = null;
        }
    }

    private void loadState() {
        lastHandled.clear();
        pending.clear();
        for (Schedule s : schedules) {
            Optional<String> v = state.get(LAST_KEY_PREFIX + s.name());
            if (v.isEmpty()) {
                continue;
            }
            String text = v.get();
            boolean isPending = text.endsWith(PENDING_SUFFIX);
            if (isPending) {
                text = text.substring(0, text.length() - PENDING_SUFFIX.length());
            }
            try {
                Instant slot = Instant.parse(text.trim());
                lastHandled.put(s.name(), slot);
                if (isPending) {
                    pending.put(s.name(), slot);
                }
            } catch (DateTimeParseException e) {
                log.warn("beat {}: schedule '{}' has an unreadable state value '{}' under {}{}; starting it afresh",
                        owner, s.name(), v.get(), LAST_KEY_PREFIX, s.name());
            }
        }
    }

    /**
     * Handles one schedule: carries out plans until nothing is due at {@code now}, so every slot that came
     * due while no beat was enqueueing (a failover) fires, each once and in order. Returns the schedule's
     * next slot, or null if it has none or leadership was lost.
     */
    private Instant handle(Schedule s, Instant now) {
        String name = s.name();
        Instant unsent = pending.get(name);
        if (unsent != null) {
            if (Planner.resendPending(s.missedRunPolicy(), unsent, now, grace)) {
                log.info("beat {}: schedule '{}' slot {} was recorded but its enqueue was not confirmed; sending it"
                        + " (the idempotency key prevents a second run)", owner, name, unsent);
                if (!send(s, unsent, false)) {
                    return null;
                }
            } else {
                log.warn("beat {}: schedule '{}' slot {} was recorded but not confirmed as enqueued, and is older than"
                        + " the grace period {}; skipped (missed-run policy {})", owner, name, unsent, grace,
                        s.missedRunPolicy());
                if (!record(name, unsent, false)) {
                    return null;
                }
                pending.remove(name);
            }
        }
        boolean catchUpLogged = false;
        while (true) {
            Planner.Plan plan = Planner.plan(s::nextAfter, s.missedRunPolicy(), lastHandled.get(name), now, grace);
            switch (plan.action()) {
                case WAIT -> {
                    return plan.nextSlot();
                }
                case START -> {
                    if (record(name, plan.slot(), false)) {
                        lastHandled.put(name, plan.slot());
                        log.info("beat {}: schedule {} starts now; first run at {}", owner, s, plan.nextSlot());
                    }
                    return plan.nextSlot();
                }
                case SKIP -> {
                    if (!record(name, plan.slot(), false)) {
                        return null;
                    }
                    lastHandled.put(name, plan.slot());
                    log.warn("beat {}: schedule '{}' missed its runs from {} to {}: older than the grace period {},"
                            + " skipped by missed-run policy SKIP; runs due since then fire", owner, name,
                            plan.firstDue(), plan.slot(), grace);
                }
                case FIRE -> {
                    if (plan.skipsEarlierSlots()) {
                        log.warn("beat {}: schedule '{}' missed its runs from {} to {}: older than the grace period {};"
                                + " missed-run policy RUN_ONCE sends the latest, {}, and skips the earlier ones", owner,
                                name, plan.firstDue(), plan.slot(), grace, plan.slot());
                    } else if (!catchUpLogged && !plan.late() && plan.nextSlot() != null
                            && !plan.nextSlot().isAfter(now)) {
                        catchUpLogged = true;
                        log.info("beat {}: schedule '{}' has several runs due from {} (within the grace period {});"
                                + " sending each once, in order", owner, name, plan.slot(), grace);
                    }
                    if (!record(name, plan.slot(), true)) {
                        return null;
                    }
                    lastHandled.put(name, plan.slot());
                    pending.put(name, plan.slot());
                    if (!send(s, plan.slot(), plan.late())) {
                        return null;
                    }
                }
                default -> throw new IllegalStateException("unknown action " + plan.action());
            }
            if (plan.nextSlot() == null || plan.nextSlot().isAfter(now)) {
                return plan.nextSlot();
            }
            if (!running()) {
                return null;
            }
        }
    }

    /** Writes the schedule's state, fenced by the lease; on refusal gives up leadership and returns false. */
    private boolean record(String name, Instant slot, boolean sending) {
        if (lease == null) {
            return false;
        }
        String value = sending ? slot + PENDING_SUFFIX : slot.toString();
        if (state.putFenced(LAST_KEY_PREFIX + name, value, lease)) {
            return true;
        }
        lostLease("recording slot " + slot + " of schedule '" + name + "' was refused (a newer lease exists)");
        return false;
    }

    /**
     * Enqueues one slot and confirms it in the state; false if leadership was lost on the way. The slot was
     * recorded (a write fenced by the lease) just before; the lease is checked once more right before the
     * enqueue, renewing it with the broker if a renewal is due, so a leader that was paused (a long GC, a
     * stopped process) past its renewal time finds out it lost the lock before it enqueues anything.
     */
    private boolean send(Schedule s, Instant slot, boolean catchUp) {
        if (lease == null || !holdLease(clock.instant())) {
            return false;
        }
        TaskHandle h = tasks.send(s.signatureFor(slot));
        log.info("beat: enqueued {} for schedule '{}' slot {}{} as task {} on queue {} (key {})", s.taskName(),
                s.name(), slot, catchUp ? " (catch-up after downtime)" : "", h.id(), h.queue(), s.idempotencyKey(slot));
        pending.remove(s.name());
        return record(s.name(), slot, false);
    }

    /**
     * Writes the {@link BeatStatus} for operators, fenced by the lease, when it would say something new: a new
     * lease or renewal, or a slot handled. A failed write is logged and tried again next pass; it never holds
     * up scheduling.
     */
    private void writeStatus() {
        if (lease == null || renewedAt.equals(statusRenewedAt) && lastHandled.equals(statusHandled)
                && pending.equals(statusPending)) {
            return;
        }
        Instant now = clock.instant();
        List<BeatStatus.ScheduleStatus> list = new ArrayList<>(schedules.size());
        for (Schedule s : schedules) {
            String zone = s.zone().equals(ZoneOffset.UTC) ? "UTC" : s.zone().getId();
            String timing = s.cron().map(c -> "cron " + c + " (" + zone + ")")
                    .orElseGet(() -> s.interval().map(i -> "every " + i).orElse(""));
            list.add(new BeatStatus.ScheduleStatus(s.name(), s.taskName(), timing, lastHandled.get(s.name()),
                    pending.containsKey(s.name()), s.nextFireTimes(now, STATUS_NEXT_TIMES).stream()
                            .map(ZonedDateTime::toInstant).toList()));
        }
        BeatStatus status = new BeatStatus(lockName, owner, lease.fencingToken(), now, renewedAt.plus(lockTtl), list);
        try {
            if (!state.putFenced(BeatStatus.key(lockName), status.toJson(), lease)) {
                lostLease("writing its status was refused (a newer lease exists)");
                return;
            }
        } catch (RuntimeException e) {
            log.warn("beat {}: writing its status under {} failed; trying again next pass: {}", owner,
                    BeatStatus.key(lockName), e.toString());
            return;
        }
        statusRenewedAt = renewedAt;
        statusHandled = Map.copyOf(lastHandled);
        statusPending = Map.copyOf(pending);
    }

    @Override
    public String toString() {
        return "Beat{owner=" + owner + ", lock=" + lockName + ", schedules=" + schedules.size() + "}";
    }
}
