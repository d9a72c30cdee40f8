package dev.tasks.memory;

import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Worker records in a map, with {@link WorkerDirectory#KEEP} measured by the broker's clock. Thread-safe. */
final class InMemoryWorkerDirectory implements WorkerDirectory {
    private final Map<String, WorkerInfo> records = new ConcurrentHashMap<>();
    private final Clock clock;

    InMemoryWorkerDirectory(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void record(WorkerInfo info) {
        records.put(info.workerId(), info);
        records.values().removeIf(w -> w.heartbeatAt().isBefore(clock.instant().minus(KEEP)));
    }

    @Override
    public void remove(String workerId) {
        records.remove(workerId);
    }

    @Override
    public List<WorkerInfo> list() {
        List<WorkerInfo> out = new ArrayList<>(records.values());
        out.sort(Comparator.comparing(WorkerInfo::workerId));
        return out;
    }
}
