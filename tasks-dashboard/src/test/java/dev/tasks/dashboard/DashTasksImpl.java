package dev.tasks.dashboard;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts runs per key; fails the keys in {@link #failing}. */
final class DashTasksImpl implements DashTasks {
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final Set<String> failing = ConcurrentHashMap.newKeySet();

    @Override
    public void ok(String key) {
        runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void flaky(String key) {
        if (failing.contains(key)) {
            throw new IllegalStateException("flaky task " + key + " fails on purpose");
        }
        runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    int runs(String key) {
        AtomicInteger n = runs.get(key);
        return n == null ? 0 : n.get();
    }
}
