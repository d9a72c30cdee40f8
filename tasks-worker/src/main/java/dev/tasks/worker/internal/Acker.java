package dev.tasks.worker.internal;

import dev.tasks.BrokerException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges finished tasks on one thread of its own, so that a slot goes on to its next task instead of
 * waiting for a round trip (and, on a SQL broker, a commit). Everything that finished while one ack was on
 * the wire goes out in the next, as one {@link Broker#ack} call: the batch grows with the load, and at most
 * one ack is in flight.
 *
 * <p>An ack that fails with a {@link BrokerException} (connection lost, lock timeout: whether it took effect is
 * unknown) is sent again, with what finished meanwhile, after a pause that doubles from {@value #FIRST_RETRY_MILLIS}
 * ms up to {@value #MAX_RETRY_MILLIS} ms, until it goes through: the tasks stay the worker's (its heartbeat keeps
 * their leases) instead of running again elsewhere because of one failed round trip. Sending an ack again is
 * safe on every broker: an ack names one delivery, and acknowledging a delivery that is gone (acknowledged, or
 * delivered again after its lease ran out) does nothing. Once {@link #close} was called, failing acks are
 * retried only until its timeout.
 *
 * <p>A task's outcome is reported only from the ack's completion: {@link Done#acked()} after the broker
 * confirmed it, {@link Done#failed} with the error otherwise (any other exception, or a broker error still
 * there when the acker closes; the task then stays leased and is redelivered when its lease runs out). At most
 * {@code limit} acks wait at once: past that, {@link #submit} blocks, so a broker that stops acknowledging
 * stops the slots too instead of letting finished tasks pile up.
 */
final class Acker {

    /** What happens once a task's ack completed; runs on the acker's thread and must not block. */
    interface Done {
        void acked();

        void failed(RuntimeException e);
    }

    private record Item(Delivery delivery, Done done) {}

    private static final Logger log = LoggerFactory.getLogger(Acker.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long FIRST_RETRY_MILLIS = 50;
    static final long MAX_RETRY_MILLIS = 1000;

    private final Broker broker;
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Semaphore room;
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closing;
    /** When failing acks stop being retried ({@link System#nanoTime}); set by {@link #close}. */
    private volatile long giveUpAt;

    Acker(Broker broker, int limit, String threadName) {
        this.broker = broker;
        this.room = new Semaphore(limit);
        this.thread = new Thread(this::loop, threadName);
        // Daemon: close() drains it; a broker call hanging past the worker's stop must not keep the JVM alive.
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues the delivery's ack, waiting while {@code limit} acks are pending; {@code done} is told the outcome. */
    void submit(Delivery delivery, Done done) {
        room.acquireUninterruptibly();
        pending.incrementAndGet();
        queue.add(new Item(delivery, done));
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    /** Acks the delivery in the next batch and waits for the outcome; throws the broker's error. */
    void ackAndWait(Delivery delivery) {
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        submit(delivery, new Done() {
            @Override
            public void acked() {
                outcome.complete(null);
            }

            @Override
            public void failed(RuntimeException e) {
                outcome.completeExceptionally(e);
            }
        });
        try {
            outcome.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Acks not yet completed. */
    int pending() {
        return pending.get();
    }

    /**
     * Sends what is queued, then stops the thread; waits up to {@code timeout} for that.
     *
     * @return false if acks were still pending when the time was up
     */
    boolean close(long timeout, TimeUnit unit) throws InterruptedException {
        giveUpAt = System.nanoTime() + unit.toNanos(timeout);
        closing = true;
        LockSupport.unpark(thread);
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return !thread.isAlive();
    }

    private void loop() {
        List<Item> batch = new ArrayList<>();
        long retryMillis = FIRST_RETRY_MILLIS;
        int attempts = 0;
        while (true) {
            Item next;
            while ((next = queue.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                if (closing && pending.get() == 0) {
                    return;
                }
                sleeping = true;
                if (queue.isEmpty() && !closing) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                sleeping = false;
                continue;
            }
            RuntimeException failure = send(batch);
            attempts++;
            if (failure instanceof BrokerException && retryable(retryMillis)) {
                if (attempts == 1) {
                    log.warn("acknowledging {} finished task(s) failed ({}); retrying every {} ms or less, the tasks"
                            + " stay leased meanwhile", batch.size(), failure.getMessage(), MAX_RETRY_MILLIS);
                }
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(retryMillis));
                retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
                continue;
            }
            if (failure == null && attempts > 1) {
                log.info("acknowledged {} finished task(s) after {} attempts", batch.size(), attempts);
            }
            report(batch, failure);
            pending.addAndGet(-batch.size());
            room.release(batch.size());
            batch.clear();
            retryMillis = FIRST_RETRY_MILLIS;
            attempts = 0;
        }
    }

    /** Whether a failed ack is sent again after {@code retryMillis}: always until {@link #close}, then until its timeout. */
    private boolean retryable(long retryMillis) {
        return !closing || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryMillis) - giveUpAt < 0;
    }

    /** One ack of the batch; returns null once the broker confirmed it, else the failure. */
    private RuntimeException send(List<Item> batch) {
        List<Delivery> deliveries = new ArrayList<>(batch.size());
        for (Item item : batch) {
            deliveries.add(item.delivery());
        }
        try {
            broker.ack(deliveries);
            return null;
        } catch (RuntimeException e) {
            return e;
        } catch (Error e) {
            return new IllegalStateException("ack failed: " + e, e);
        }
    }

    private void report(List<Item> batch, RuntimeException failure) {
        for (Item item : batch) {
            try {
                if (failure == null) {
                    item.done().acked();
                } else {
                    item.done().failed(failure);
                }
            } catch (RuntimeException e) {
                log.error("handling the outcome of the ack of message {} from queue {} failed",
                        item.delivery().messageId(), item.delivery().queue(), e);
            }
        }
    }
}
