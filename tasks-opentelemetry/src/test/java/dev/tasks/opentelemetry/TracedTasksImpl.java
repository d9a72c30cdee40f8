package dev.tasks.opentelemetry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

final class TracedTasksImpl implements TracedTasks {
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    @Override
    public int add(int a, int b) {
        return a + b;
    }

    @Override
    public int mul(int value, int factor) {
        return value * factor;
    }

    @Override
    public int sum(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public void flaky(String key, int failures) {
        int n = hits.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (n <= failures) {
            throw new IllegalStateException("flaky failure " + n);
        }
    }
}
