package dev.tasks.worker;

import dev.tasks.SoftTimeLimitExceeded;
import dev.tasks.TaskContext;
import dev.tasks.tck.SimulatedWork;
import java.time.Duration;

/** The implementation of {@link WorkerTestTasks}. */
public final class WorkerTestTasksImpl implements WorkerTestTasks {
    private final Recorder rec;

    public WorkerTestTasksImpl(Recorder rec) {
        this.rec = rec;
    }

    @Override
    public void record(String marker) {
        rec.hit(marker);
    }

    @Override
    public int add(int a, int b) {
        rec.hit("add");
        return a + b;
    }

    @Override
    public void flaky(String key, int failures) {
        int n = rec.hit(key);
        rec.event(key + ":attempt=" + TaskContext.current().attempt());
        if (n <= failures) {
            throw new IllegalStateException("flaky failure " + n);
        }
    }

    @Override
    public String alwaysFails(String key) {
        rec.hit(key);
        throw new IllegalStateException("boom " + key);
    }

    @Override
    public void notRetryable(String key) {
        rec.hit(key);
        throw new IllegalArgumentException("bad input " + key);
    }

    @Override
    public void retryWithCountdown(String key, int times, long countdownMillis) {
        TaskContext ctx = TaskContext.current();
        int n = rec.hit(key);
        rec.event(key + ":attempt=" + ctx.attempt() + ":left=" + ctx.retriesLeft());
        if (n <= times) {
            throw ctx.retry(Duration.ofMillis(countdownMillis));
        }
    }

    @Override
    public void softLimitReraise(String key) {
        rec.hit(key);
        try {
            SimulatedWork.untilInterrupted(10_000);
        } catch (InterruptedException e) {
            rec.event(key + ":interrupted:soft=" + TaskContext.current().isSoftTimeLimitExceeded());
            Thread.currentThread().interrupt();
            throw new SoftTimeLimitExceeded("gave up: " + key);
        }
    }

    @Override
    public void softLimitCatch(String key) {
        rec.hit(key);
        try {
            SimulatedWork.untilInterrupted(10_000);
        } catch (InterruptedException e) {
            rec.event(key + ":cleaned-up:soft=" + TaskContext.current().isSoftTimeLimitExceeded());
        }
    }

    @Override
    public void spin(String key) {
        rec.hit(key);
        long x = 0;
        while (rec.spinning) {
            x++; // ignores interrupts on purpose
            if (x % 1_000_000 == 0) {
                Thread.onSpinWait();
            }
        }
        rec.event(key + ":spin-ended");
    }

    @Override
    public void slow(String key, long millis) {
        rec.event(key + ":started");
        try {
            SimulatedWork.perform(key, millis);
        } catch (InterruptedException e) {
            rec.event(key + ":interrupted");
            Thread.currentThread().interrupt();
            return;
        }
        rec.hit(key);
        rec.event(key + ":finished");
    }

    @Override
    public void early(String key) {
        rec.hit(key);
    }

    @Override
    public void threadName(String key) {
        Thread t = Thread.currentThread();
        rec.event(key + ":" + t.getName() + ":" + (t.toString().startsWith("VirtualThread") ? "virtual" : "platform"));
    }
}
