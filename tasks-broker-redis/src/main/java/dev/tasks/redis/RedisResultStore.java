package dev.tasks.redis;

import dev.tasks.TaskState;
import dev.tasks.spi.ResultStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Task results as Redis hashes {@code <prefix>:result:<task id>} with a Redis TTL; the expiry by the
 * broker's clock is stored too, so a record past it is not returned even before Redis removes it.
 */
final class RedisResultStore implements ResultStore, AutoCloseable {
    static final LuaScript PUT = LuaScript.load("result_put");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;
    private final String channelPrefix;
    private final RedisResultWaiters waiters;

    RedisResultStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix + ":result:";
        this.channelPrefix = keyPrefix + ":result-done:";
        this.waiters = new RedisResultWaiters(guard, keyPrefix);
    }

    @Override
    public void put(StoredResult result, Duration ttl) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(result.taskId(), "result.taskId");
        Objects.requireNonNull(result.state(), "result.state");
        long ms = RedisIdempotencyStore.positiveMillis(ttl, "ttl");
        long now = clock.millis();
        List<String> args = new ArrayList<>();
        args.add(Long.toString(ms));
        args.add(result.state().isFinal() ? channelPrefix + result.taskId() : "");
        add(args, "s", result.state().name());
        add(args, "n", result.taskName());
        add(args, "v", result.value());
        add(args, "e", result.error());
        add(args, "u", Long.toString(result.updatedAt() == null ? now : result.updatedAt().toEpochMilli()));
        add(args, "x", Long.toString(now + ms));
        guard.run("storing the result of task " + result.taskId(), true,
                j -> PUT.eval(j, List.of(prefix + result.taskId()), args));
    }

    private static void add(List<String> args, String field, String value) {
        if (value != null) {
            args.add(field);
            args.add(value);
        }
    }

    @Override
    public Optional<StoredResult> get(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        Map<String, String> f = guard.run("reading the result of task " + taskId, true, j -> j.hgetAll(prefix + taskId));
        if (f == null || f.isEmpty() || !f.containsKey("s")) {
            return Optional.empty();
        }
        try {
            if (f.containsKey("x") && Long.parseLong(f.get("x")) <= clock.millis()) {
                return Optional.empty();
            }
            Instant updated = f.containsKey("u") ? Instant.ofEpochMilli(Long.parseLong(f.get("u"))) : null;
            return Optional.of(new StoredResult(taskId, f.get("n"), TaskState.valueOf(f.get("s")), f.get("v"), f.get("e"),
                    updated));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Set when the record's channel fires; guarded by itself. */
    static final class Signal {
        boolean fired;
    }

    /**
     * Waits on the record's pub/sub channel (published when a final state is stored), re-reading the record
     * when woken; a re-read every second at most covers a lost connection.
     */
    @Override
    public Optional<StoredResult> await(String taskId, Duration timeout) {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        String channel = channelPrefix + taskId;
        Signal signal = new Signal();
        boolean notified = waiters.register(channel, signal);
        try {
            long pause = 20;
            while (true) {
                Optional<StoredResult> r = get(taskId);
                long left = deadline - System.nanoTime();
                if ((r.isPresent() && r.get().state().isFinal()) || left <= 0) {
                    return r;
                }
                synchronized (signal) {
                    if (!signal.fired) {
                        long waitMs = Math.max(1, Math.min(left / 1_000_000, notified ? 1_000 : pause));
                        signal.wait(waitMs);
                    }
                    signal.fired = false;
                }
                pause = Math.min(pause * 2, 500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.tasks.TasksException("interrupted while waiting for the result of task " + taskId, e);
        } finally {
            waiters.unregister(channel, signal);
        }
    }

    /** Stops the notification subscriber. */
    @Override
    public void close() {
        waiters.close();
    }
}
