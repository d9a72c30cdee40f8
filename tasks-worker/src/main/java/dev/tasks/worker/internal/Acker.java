package dev.tasks.worker.internal;

import dev.tasks.BrokerException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.LogSafe;
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
 * unknown) is sent again, with what finished meanwhile on the same queues, after a {@link Backoff} pause
 * (50 ms doubling up to 1 s), until it goes through: the tasks stay the
 * worker's (its heartbeat keeps their leases) instead of running again elsewhere because of one failed round
 * trip. One failing queue does not hold up the others (a Redis Cluster node that failed serves only some
 * queues): a failed ack of several queues is sent again per queue at once, the queues whose ack goes through
 * are done, and what finishes on other queues meanwhile is sent at once. Sending an ack again is safe on
 * every broker: an ack names one delivery, and acknowledging a delivery that is gone (acknowledged, or
 * delivered again after its lease ran out) does nothing. Once {@link #close} was called, failing acks are
 * retried only until its timeout.
 *
 * <p>A task's outcome is reported only from the ack's completion: {@link Done#acked()} after the broker
 * confirmed it, {@link Done#failed} with the error otherwise (any other exception, or a broker error still
 * there when the acker closes; the task then stays leased and is redelivered when its lease runs out). At most
 * {@code limit} acks of one queue wait at once: past that, {@link #submit} of a task of that queue blocks, so a
 * broker that stops acknowledging stops the slots too instead of letting finished tasks pile up, while a
 * queue whose acks fail alone (its Redis Cluster node failed) does not stop the tasks of the other queues.
 */
final class Acker {

    /** What happens once a task's ack completed; runs on the acker's thread and must not block. */
    interface Done {
        void acked();

        void failed(RuntimeException e);
    }

    private record Item(Delivery delivery, Done done) {}

    private static final Logger log = LogSafe.logger(Acker.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Broker broker;
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final int limit;
    /** Per queue, room for that many pending acks: a queue whose acks fail does not stop the others' slots. */
    private final java.util.Map<String, Semaphore> rooms = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closing;
    /** When failing acks stop being retried ({@link System#nanoTime}); set by {@link #close}. */
    private volatile long giveUpAt;

    Acker(Broker broker, int limit, String threadName) {
        this.broker = broker;
        this.limit = limit;
        this.thread = new Thread(this::loop, threadName);
        // Daemon: close() drains it; a broker call hanging past the worker's stop must not keep the JVM alive.
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues the delivery's ack, waiting while {@code limit} acks are pending; {@code done} is told the outcome. */
    void submit(Delivery delivery, Done done) {
        room(delivery.queue()).acquireUninterruptibly();
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
        // Items whose ack failed, sent again at retryAt with what finished meanwhile on the same queues; what
        // finishes on other queues goes out at once.
        List<Item> retrying = new ArrayList<>();
        java.util.Set<String> failing = new java.util.HashSet<>();
        long retryAt = 0;
        Backoff backoff = new Backoff();
        while (true) {
            Item next;
            while ((next = queue.poll()) != null) {
                (failing.contains(next.delivery().queue()) ? retrying : batch).add(next);
            }
            boolean retryDue = !retrying.isEmpty() && System.nanoTime() - retryAt >= 0;
            if (retryDue) {
                batch.addAll(retrying);
                retrying.clear();
                failing.clear();
            }
            if (batch.isEmpty()) {
                if (closing && pending.get() == 0) {
                    return;
                }
                long park = retrying.isEmpty() ? IDLE_PARK_NANOS
                        : Math.max(1, Math.min(IDLE_PARK_NANOS, retryAt - System.nanoTime()));
                sleeping = true;
                if (queue.isEmpty() && (!closing || !retrying.isEmpty())) {
                    LockSupport.parkNanos(this, park);
                }
                sleeping = false;
                continue;
            }
            int sent = batch.size();
            RuntimeException failure = send(batch);
            if (failure instanceof BrokerException && spansQueues(batch)) {
                failure = settleQueuesThatAnswer(batch);
            }
            if (failure instanceof BrokerException && retryable(backoff.nextPause())) {
                if (backoff.failures() == 0) {
                    log.warn("acknowledging {} finished task(s) failed ({}); retrying every {} ms or less, the tasks"
                            + " stay leased meanwhile", batch.size(), failure.getMessage(), Backoff.MAX_MILLIS);
                }
                long retryMillis = backoff.failed();
                for (Item item : batch) {
                    failing.add(item.delivery().queue());
                }
                retrying.addAll(batch);
                batch.clear();
                retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryMillis);
                continue;
            }
            if (failure == null && retryDue) {
                log.info("acknowledged {} finished task(s) after {} attempts", sent, backoff.failures() + 1);
            }
            report(batch, failure);
            pending.addAndGet(-batch.size());
            release(batch);
            batch.clear();
            if (retrying.isEmpty()) {
                backoff.reset();
            }
        }
    }

    private Semaphore room(String queue) {
        return rooms.computeIfAbsent(queue, q -> new Semaphore(limit));
    }

    private void release(List<Item> items) {
        for (Item item : items) {
            room(item.delivery().queue()).release();
        }
    }

    private static boolean spansQueues(List<Item> batch) {
        String first = batch.get(0).delivery().queue();
        for (Item item : batch) {
            if (!item.delivery().queue().equals(first)) {
                return true;
            }
        }
        return false;
    }

    /**
     * After an ack of several queues failed: acks each queue on its own, completes the items of the queues
     * whose ack went through (on a Redis Cluster a failed node serves only some of them) and leaves the
     * others in {@code batch}, so that one failing queue does not hold up the others (nor, once the
     * pending acks fill up, every slot). Returns the failure of the first queue that failed, else null.
     */
    private RuntimeException settleQueuesThatAnswer(List<Item> batch) {
        java.util.Map<String, List<Item>> byQueue = new java.util.LinkedHashMap<>();
        for (Item item : batch) {
            byQueue.computeIfAbsent(item.delivery().queue(), q -> new ArrayList<>()).add(item);
        }
        RuntimeException failure = null;
        batch.clear();
        for (List<Item> items : byQueue.values()) {
            RuntimeException e = send(items);
            if (e == null) {
                report(items, null);
                pending.addAndGet(-items.size());
                release(items);
            } else {
                batch.addAll(items);
                failure = failure == null ? e : failure;
            }
        }
        return failure;
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
