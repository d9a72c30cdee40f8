package dev.tasks.spi.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit: concurrent callers' requests go to the broker together, in one round trip. A caller that finds a
 * batch in flight queues its request and waits; when that batch completes, one waiting caller takes the
 * queued requests (up to {@code maxWeight}) and sends them as the next batch. With a single caller nothing
 * waits: its request is sent at once, alone.
 *
 * <p>Every caller returns only after its own request completed, and throws the failure of exactly its own
 * request: the sender reports an outcome per request, and a failure of the whole round trip (connection
 * lost) is the outcome of every request in that batch. At most one batch per instance is in flight.
 *
 * @param <R> a request
 */
public final class GroupCommit<R> {

    /** Sends a batch; returns one outcome per request, in order: null for success, else its failure. */
    public interface Sender<R> {
        List<RuntimeException> send(List<R> batch);
    }

    private static final class Pending<R> {
        final R request;
        final int weight;
        final Thread caller;
        /** Taken into a batch: its caller no longer tries to send, it waits for that batch. */
        volatile boolean taken;
        volatile boolean done;
        Throwable failure; // written before done, read after

        Pending(R request, int weight, Thread caller) {
            this.request = request;
            this.weight = weight;
            this.caller = caller;
        }
    }

    private final Sender<R> sender;
    private final int maxWeight;
    private final ConcurrentLinkedQueue<Pending<R>> queue = new ConcurrentLinkedQueue<>();
    /** Held by the caller that is sending a batch. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** How many requests the last batch carried (written by the sender). */
    private volatile int lastBatch;

    /**
     * @param sender    sends one batch
     * @param maxWeight the most weight one batch takes (a single heavier request still goes alone)
     */
    public GroupCommit(Sender<R> sender, int maxWeight) {
        this.sender = sender;
        this.maxWeight = maxWeight;
    }

    /**
     * Sends {@code request}, possibly together with other callers' requests, and returns when it completed.
     * Waiting is not interruptible (the request may already be on the wire); the interrupt flag is kept.
     *
     * <p>No lock is taken: requests wait in a lock-free queue, and whoever takes the sender's role (an atomic
     * flag) sends the queued requests. A completed batch wakes the first queued caller, which sends the
     * next batch, and then only its own callers: waiting callers are not all woken to find out whether it
     * was theirs.
     *
     * @param weight how much the request adds to a batch (e.g. its number of messages)
     * @throws RuntimeException the failure of this request
     */
    public void submit(R request, int weight) {
        Pending<R> mine = new Pending<>(request, weight, Thread.currentThread());
        boolean interrupted = false;
        queue.add(mine);
        while (!mine.done) {
            if (!mine.taken && busy.compareAndSet(false, true)) {
                sendUntilDone(mine);
                continue;
            }
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = mine.failure;
        if (f instanceof RuntimeException e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }

    /** How many requests wait for a batch (for tests and diagnostics). */
    int queued() {
        return queue.size();
    }

    /** The queued requests from the front, up to the weight limit (at least one). Sender only. */
    private List<Pending<R>> takeBatch() {
        List<Pending<R>> batch = new ArrayList<>();
        int weight = 0;
        Pending<R> next;
        while ((next = queue.peek()) != null) {
            if (!batch.isEmpty() && weight + next.weight > maxWeight) {
                break;
            }
            queue.poll();
            next.taken = true;
            batch.add(next);
            weight += next.weight;
        }
        return batch;
    }

    /**
     * Sends batches until {@code mine} went out (a weight limit may leave it queued), or returns at once if
     * it is no longer queued (it is in the batch of a sender that has handed on its role and is completing
     * it: the caller waits for that). When the last batch carried several requests, the sender yields once
     * before it takes the next, so that the callers it woke can join it. After a batch with {@code mine},
     * the sender's role passes on (the first queued caller is woken) before this caller wakes the others of
     * that batch, so the next round trip does not wait for those wake-ups. Called holding the sender's role;
     * returns without it.
     */
    private void sendUntilDone(Pending<R> mine) {
        Thread me = Thread.currentThread();
        while (true) {
            if (!mine.done && lastBatch > 1) {
                // Callers just woken by the last batch are about to queue their next requests: give them the
                // CPU once, so this batch carries them too (a lone caller never waits here).
                Thread.yield();
            }
            List<Pending<R>> batch = mine.done ? List.of() : takeBatch();
            if (batch.isEmpty()) {
                handOn();
                return;
            }
            lastBatch = batch.size();
            List<R> requests = new ArrayList<>(batch.size());
            for (Pending<R> p : batch) {
                requests.add(p.request);
            }
            List<RuntimeException> outcomes = null;
            Throwable all = null;
            try {
                outcomes = sender.send(requests);
                if (outcomes.size() != batch.size()) {
                    all = new IllegalStateException("group commit: " + outcomes.size() + " outcomes for "
                            + batch.size() + " requests");
                }
            } catch (Throwable t) {
                all = t;
            }
            boolean last = batch.contains(mine);
            if (last) {
                handOn();
            }
            for (int i = 0; i < batch.size(); i++) {
                Pending<R> p = batch.get(i);
                p.failure = all != null ? all : outcomes.get(i);
                p.done = true;
                if (p.caller != me) {
                    LockSupport.unpark(p.caller);
                }
            }
            if (last) {
                return;
            }
        }
    }

    /**
     * Gives up the sender's role and wakes the first queued caller to take it. A caller queued after the
     * peek finds the role free itself: it queues before it tries to take the role.
     */
    private void handOn() {
        busy.set(false);
        Pending<R> next = queue.peek();
        if (next != null) {
            LockSupport.unpark(next.caller);
        }
    }
}
