package dev.tasks.tck;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The body of a test task that stands for work taking time. It ends when a test opens its gate, or when
 * its time is up; it is interruptible like real blocking work (a soft time limit or a cold shutdown
 * interrupts it). A test that needs a task to be running at a given moment holds the gate, instead of
 * hoping that a fixed duration is long enough on a busy machine.
 */
public final class SimulatedWork {
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    private SimulatedWork() {}

    /** Makes work under {@code key} last until {@link #open}, up to its own time limit. */
    public static void hold(String key) {
        GATES.put(key, new CountDownLatch(1));
    }

    /** Lets work under {@code key} end now. */
    public static void open(String key) {
        CountDownLatch gate = GATES.remove(key);
        if (gate != null) {
            gate.countDown();
        }
    }

    /** Works for {@code millis} milliseconds, or until the gate of {@code key} is opened if it is held. */
    public static void perform(String key, long millis) throws InterruptedException {
        if (millis <= 0) {
            return;
        }
        CountDownLatch gate = GATES.get(key);
        (gate != null ? gate : new CountDownLatch(1)).await(millis, TimeUnit.MILLISECONDS);
    }

    /** Works until interrupted, at most {@code millis} milliseconds. */
    public static void untilInterrupted(long millis) throws InterruptedException {
        new CountDownLatch(1).await(millis, TimeUnit.MILLISECONDS);
    }
}
