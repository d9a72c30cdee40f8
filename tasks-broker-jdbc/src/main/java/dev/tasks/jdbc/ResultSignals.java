package dev.tasks.jdbc;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes threads waiting for task results when the PostgreSQL listener hears that a result turned final
 * (payload: the task id). Only ids someone waits for are tracked, so nothing grows with the traffic.
 */
final class ResultSignals {

    /** One waiter's flag; guarded by itself. */
    static final class Signal {
        boolean fired;
    }

    private final Map<String, Set<Signal>> waiters = new ConcurrentHashMap<>();

    void register(String taskId, Signal s) {
        waiters.computeIfAbsent(taskId, k -> ConcurrentHashMap.newKeySet()).add(s);
    }

    void unregister(String taskId, Signal s) {
        waiters.computeIfPresent(taskId, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    void signal(String taskId) {
        Set<Signal> set = waiters.get(taskId);
        if (set != null) {
            set.forEach(ResultSignals::fire);
        }
    }

    /** Wakes every waiter (after notifications may have been missed). */
    void signalAll() {
        waiters.values().forEach(set -> set.forEach(ResultSignals::fire));
    }

    private static void fire(Signal s) {
        synchronized (s) {
            s.fired = true;
            s.notifyAll();
        }
    }
}
