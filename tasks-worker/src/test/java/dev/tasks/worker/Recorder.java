package dev.tasks.worker;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** What the test tasks did, by key. Thread-safe. */
public final class Recorder {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    /** While true, {@code spin} tasks keep spinning (ignoring interrupts). */
    public volatile boolean spinning = true;

    public int hit(String key) {
        return counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    public int count(String key) {
        AtomicInteger c = counts.get(key);
        return c == null ? 0 : c.get();
    }

    public void event(String e) {
        events.add(e);
    }

    public List<String> events() {
        return List.copyOf(events);
    }

    public Map<String, AtomicInteger> counts() {
        return counts;
    }
}
