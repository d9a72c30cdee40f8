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
final class RedisResultStore implements ResultStore {
    static final LuaScript PUT = LuaScript.load("result_put");

    private final ConnectionGuard guard;
    private final Clock clock;
    private final String prefix;

    RedisResultStore(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.prefix = keyPrefix + ":result:";
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
}
