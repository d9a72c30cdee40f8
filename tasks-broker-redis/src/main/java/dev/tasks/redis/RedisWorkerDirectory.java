package dev.tasks.redis;

import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Worker records in one hash {@code <prefix>:workers:info} (worker id to its JSON record). Records whose
 * last heartbeat is older than {@link #KEEP} by the broker's clock, and fields that are not records, are
 * deleted by the next write. Thread-safe.
 */
final class RedisWorkerDirectory implements WorkerDirectory {
    private final ConnectionGuard guard;
    private final Clock clock;
    private final String key;

    RedisWorkerDirectory(ConnectionGuard guard, Clock clock, String keyPrefix) {
        this.guard = guard;
        this.clock = clock;
        this.key = keyPrefix + ":workers:info";
    }

    @Override
    public void record(WorkerInfo info) {
        Objects.requireNonNull(info, "info");
        Map<String, String> all = guard.run("recording worker " + info.workerId(), true, j -> {
            j.hset(key, info.workerId(), info.toJson());
            return j.hgetAll(key);
        });
        long oldest = clock.millis() - KEEP.toMillis();
        List<String> old = new ArrayList<>();
        all.forEach((id, json) -> {
            Optional<WorkerInfo> w = WorkerInfo.fromJson(json);
            if (w.isEmpty() || w.get().heartbeatAt().toEpochMilli() < oldest) {
                old.add(id);
            }
        });
        if (!old.isEmpty()) {
            guard.run("deleting old worker records", true, j -> j.hdel(key, old.toArray(String[]::new)));
        }
    }

    @Override
    public void remove(String workerId) {
        guard.run("removing the record of worker " + workerId, true, j -> j.hdel(key, workerId));
    }

    @Override
    public List<WorkerInfo> list() {
        Map<String, String> all = guard.run("listing workers", false, j -> j.hgetAll(key));
        List<WorkerInfo> out = new ArrayList<>();
        all.values().forEach(json -> WorkerInfo.fromJson(json).ifPresent(out::add));
        out.sort(Comparator.comparing(WorkerInfo::workerId));
        return out;
    }
}
