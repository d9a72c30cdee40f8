package dev.tasks.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * CPU time per thread of this JVM between two moments, so a test can tell whether the threads it cares
 * about (say, a worker's) spun, whatever else the JVM runs.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> start = snapshot();

    private static Map<Long, Long> snapshot() {
        Map<Long, Long> m = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long cpu = THREADS.getThreadCpuTime(id);
            if (cpu >= 0) {
                m.put(id, cpu);
            }
        }
        return m;
    }

    /** CPU used since this object was made, in ms, by live threads whose names match. */
    long millis(Predicate<String> names) {
        long total = 0;
        for (Usage u : usage()) {
            if (names.test(u.name())) {
                total += u.millis();
            }
        }
        return total;
    }

    /** The threads that used the most CPU since this object was made (for failure messages). */
    List<Usage> top(int n) {
        List<Usage> all = usage();
        all.sort((a, b) -> Long.compare(b.millis(), a.millis()));
        return all.subList(0, Math.min(n, all.size()));
    }

    private List<Usage> usage() {
        List<Usage> out = new ArrayList<>();
        Map<Long, Long> now = snapshot();
        for (Map.Entry<Long, Long> e : now.entrySet()) {
            ThreadInfo info = THREADS.getThreadInfo(e.getKey());
            if (info == null) {
                continue;
            }
            long used = e.getValue() - start.getOrDefault(e.getKey(), 0L);
            out.add(new Usage(info.getThreadName(), used / 1_000_000));
        }
        return out;
    }

    record Usage(String name, long millis) {}
}
