package dev.tasks.jdbc;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes fetch calls blocked on queues when something may have become ready there (a local publish, a
 * PostgreSQL notification). A waiter reads the versions of its queues before it looks at the table, so a
 * signal between the look and the wait is not lost.
 */
final class WakeUps {
    private final ConcurrentHashMap<String, AtomicLong> versions = new ConcurrentHashMap<>();
    private final AtomicLong everything = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** A snapshot of the versions of {@code queues} (the last element is the global version). */
    long[] snapshot(List<String> queues) {
        long[] v = new long[queues.size() + 1];
        for (int i = 0; i < queues.size(); i++) {
            v[i] = counter(queues.get(i)).get();
        }
        v[queues.size()] = everything.get();
        return v;
    }

    void signal(String queue) {
        counter(queue).incrementAndGet();
        signalWaiters();
    }

    void signal(Collection<String> queues) {
        for (String q : queues) {
            counter(q).incrementAndGet();
        }
        signalWaiters();
    }

    /** Wakes every waiter (e.g. after notifications may have been missed). */
    void signalAll() {
        everything.incrementAndGet();
        signalWaiters();
    }

    /**
     * Waits until one of {@code queues} is signalled after {@code snapshot} was taken, or {@code nanos}
     * pass.
     *
     * @return true if signalled, false on timeout
     * @throws InterruptedException if the thread is interrupted
     */
    boolean await(List<String> queues, long[] snapshot, long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = nanos;
            while (!changedSince(queues, snapshot)) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean changedSince(List<String> queues, long[] snapshot) {
        if (everything.get() != snapshot[queues.size()]) {
            return true;
        }
        for (int i = 0; i < queues.size(); i++) {
            if (counter(queues.get(i)).get() != snapshot[i]) {
                return true;
            }
        }
        return false;
    }

    private AtomicLong counter(String queue) {
        return versions.computeIfAbsent(queue, q -> new AtomicLong());
    }

    private void signalWaiters() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
