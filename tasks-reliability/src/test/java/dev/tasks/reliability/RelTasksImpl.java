package dev.tasks.reliability;

import dev.tasks.tck.SimulatedWork;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** {@link RelTasks} writing to a {@link RunLog}; {@code echo} and {@code names} only count their runs. */
public final class RelTasksImpl implements RelTasks {
    /** Completed runs of echo and names, noop, add (for tests in this JVM). */
    static final AtomicLong ECHOES = new AtomicLong();
    static final AtomicLong NOOPS = new AtomicLong();
    static final AtomicLong ADDS = new AtomicLong();

    /** Completed runs of every task kind but record, in this JVM. */
    static long completed() {
        return ECHOES.get() + NOOPS.get() + ADDS.get();
    }

    private final Supplier<RunLog> log;

    RelTasksImpl(Supplier<RunLog> log) {
        this.log = log;
    }

    @Override
    public void record(String key, long millis) {
        if (millis > 0) {
            try {
                SimulatedWork.perform(key, millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted before recording " + key, e);
            }
        }
        log.get().record(key);
    }

    /** Records {@code key|pid|start millis}. */
    private void recordStart(String key) {
        // The start is read first: opening the run log (on the first run) must not delay it.
        long start = System.currentTimeMillis();
        log.get().record(key + "|" + ProcessHandle.current().pid() + "|" + start);
    }

    @Override
    public void early(String key, long millis) {
        record(key, millis);
    }

    @Override
    public int member(String key, int value, long millis) {
        record(key, millis);
        return value;
    }

    @Override
    public void total(List<Integer> values, String key) {
        long sum = 0;
        for (int v : values) {
            sum += v;
        }
        log.get().record(key + "=" + sum + "/" + values.size());
    }

    @Override
    public void keyed(String key) {
        RunLog runs = log.get();
        runs.record(key + ":start");
        if (key.startsWith("hold-") && Boolean.getBoolean("rel.hold") && runs.runs().get(key + ":start") == 1) {
            runs.record(key + ":pid-" + ProcessHandle.current().pid());
            try {
                new java.util.concurrent.CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while holding " + key, e);
            }
        }
        runs.record(key + ":effect");
    }

    @Override
    public void limited50(String key) {
        recordStart(key);
    }

    @Override
    public void limitedPerCustomer(String customer, String key) {
        recordStart(key);
    }

    @Override
    public void noop(long n) {
        NOOPS.incrementAndGet();
    }

    @Override
    public void echo(Object value) {
        if (value != null && !(value instanceof java.util.Map || value instanceof List || value instanceof String
                || value instanceof Number || value instanceof Boolean)) {
            throw new IllegalStateException("echo got a " + value.getClass().getName() + ", not a JSON value");
        }
        ECHOES.incrementAndGet();
    }

    @Override
    public int add(int a, int b) {
        ADDS.incrementAndGet();
        return a + b;
    }

    @Override
    public void names(List<String> names) {
        ECHOES.incrementAndGet();
    }
}
