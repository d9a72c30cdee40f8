package dev.tasks.worker;

import dev.tasks.tck.SimulatedWork;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what ran, shared by every worker of a test. */
public final class CanvasTasksImpl implements CanvasTasks {
    /** Arguments of every {@code sum} call. */
    public final List<List<Integer>> sums = new CopyOnWriteArrayList<>();
    /** Ids of every {@code mark}, {@code plusOne} and {@code block} call. */
    public final Set<String> ran = ConcurrentHashMap.newKeySet();
    /** Interrupted {@code block} calls. */
    public final Set<String> interrupted = ConcurrentHashMap.newKeySet();
    /** Start times (nanoTime) of limited calls, by argument. */
    public final Map<String, List<Long>> starts = new ConcurrentHashMap<>();
    /** Concurrent {@code exclusive} runs now, and the most seen. */
    public final AtomicInteger inExclusive = new AtomicInteger();
    public final AtomicInteger maxExclusive = new AtomicInteger();
    public final AtomicInteger plusOnes = new AtomicInteger();

    @Override
    public int add(int a, int b) {
        return a + b;
    }

    @Override
    public int mul(int value, int factor) {
        return value * factor;
    }

    @Override
    public int plusOne(int value) {
        plusOnes.incrementAndGet();
        return value + 1;
    }

    @Override
    public int sum(List<Integer> values) {
        sums.add(List.copyOf(values));
        return values.stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public int boom(String message) {
        throw new IllegalStateException(message);
    }

    @Override
    public void block(String id) {
        ran.add(id);
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            interrupted.add(id);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void mark(String id) {
        ran.add(id);
    }

    @Override
    public void limited(String id) {
        starts.computeIfAbsent("limited", k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
    }

    @Override
    public void perCustomer(String customer, int n) {
        starts.computeIfAbsent(customer, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
    }

    @Override
    public void exclusive(String id) {
        int now = inExclusive.incrementAndGet();
        maxExclusive.accumulateAndGet(now, Math::max);
        try {
            SimulatedWork.perform(id, 60); // the work itself: overlapping runs are what the test looks for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inExclusive.decrementAndGet();
        }
    }
}
