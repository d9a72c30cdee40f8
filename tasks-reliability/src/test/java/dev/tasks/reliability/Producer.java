package dev.tasks.reliability;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread that enqueues {@code rel.record} tasks one by one at a steady pace until stopped, keeping the
 * keys whose enqueue returned normally (the broker took them) and the exceptions of those that failed.
 */
final class Producer implements AutoCloseable {
    private final Tasks tasks;
    private final String queue;
    private final String prefix;
    private final long pauseNanos;
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastFailureNanos;
    private volatile long recoveredNanos;
    private volatile long lastAcceptedNanos;

    Producer(Tasks tasks, String queue, String prefix, long pauseMillis) {
        this.tasks = tasks;
        this.queue = queue;
        this.prefix = prefix;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        this.thread = new Thread(this::loop, "test-producer-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            String key = prefix + attempts.getAndIncrement();
            try {
                tasks.send(Signature.of("rel.record", key, 0L).queue(queue));
                accepted.add(key);
                lastAcceptedNanos = System.nanoTime();
                if (lastFailureNanos != 0 && recoveredNanos - lastFailureNanos <= 0) {
                    recoveredNanos = System.nanoTime();
                }
            } catch (RuntimeException e) {
                failures.add(e);
                lastFailureNanos = System.nanoTime();
            }
            LockSupport.parkNanos(pauseNanos);
        }
    }

    List<String> accepted() {
        return accepted;
    }

    List<RuntimeException> failures() {
        return failures;
    }

    /** {@link System#nanoTime()} of the first enqueue that went through after the last failed one; 0 if none. */
    long recoveredNanos() {
        return recoveredNanos;
    }

    /** {@link System#nanoTime()} of the last enqueue that went through; 0 if none. */
    long lastAcceptedNanos() {
        return lastAcceptedNanos;
    }

    int attempts() {
        return attempts.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
