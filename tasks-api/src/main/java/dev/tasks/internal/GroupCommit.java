package dev.tasks.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
        // Guarded by the lock.
        boolean done;
        boolean sender;
        Throwable failure;

        Pending(R request, int weight, Thread caller) {
            this.request = request;
            this.weight = weight;
            this.caller = caller;
        }
    }

    private final Sender<R> sender;
    private final int maxWeight;
    private final Object lock = new Object();
    private final ArrayDeque<Pending<R>> queue = new ArrayDeque<>();
    private boolean busy;

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
     * <p>A completed batch wakes only its own callers and, if requests are queued, the one that sends the
     * next batch: waiting callers are not all woken to find out whether it was theirs.
     *
     * @param weight how much the request adds to a batch (e.g. its number of messages)
     * @throws RuntimeException the failure of this request
     */
    public void submit(R request, int weight) {
        Pending<R> mine = new Pending<>(request, weight, Thread.currentThread());
        boolean interrupted = false;
        try {
            boolean sending;
            synchronized (lock) {
                queue.add(mine);
                sending = !busy;
                busy = true;
            }
            while (true) {
                if (sending) {
                    List<Pending<R>> batch;
                    synchronized (lock) {
                        batch = takeBatch();
                    }
                    sendAndComplete(batch);
                    synchronized (lock) {
                        if (!mine.done) {
                            continue; // not in that batch (weight limit): send the next one too
                        }
                        Pending<R> next = queue.peek();
                        if (next == null) {
                            busy = false;
                        } else {
                            next.sender = true;
                            LockSupport.unpark(next.caller);
                        }
                    }
                    break;
                }
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                synchronized (lock) {
                    if (mine.done) {
                        break;
                    }
                    sending = mine.sender;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
        synchronized (lock) {
            return queue.size();
        }
    }

    /** The queued requests from the front, up to the weight limit (at least one). Holds the lock. */
    private List<Pending<R>> takeBatch() {
        List<Pending<R>> batch = new ArrayList<>();
        int weight = 0;
        while (!queue.isEmpty()) {
            Pending<R> next = queue.peek();
            if (!batch.isEmpty() && weight + next.weight > maxWeight) {
                break;
            }
            queue.poll();
            batch.add(next);
            weight += next.weight;
        }
        return batch;
    }

    private void sendAndComplete(List<Pending<R>> batch) {
        List<R> requests = new ArrayList<>(batch.size());
        for (Pending<R> p : batch) {
            requests.add(p.request);
        }
        List<RuntimeException> outcomes = null;
        Throwable all = null;
        try {
            outcomes = sender.send(requests);
            if (outcomes.size() != batch.size()) {
                all = new IllegalStateException("group commit: " + outcomes.size() + " outcomes for " + batch.size()
                        + " requests");
            }
        } catch (Throwable t) {
            all = t;
        }
        synchronized (lock) {
            for (int i = 0; i < batch.size(); i++) {
                Pending<R> p = batch.get(i);
                p.failure = all != null ? all : outcomes.get(i);
                p.done = true;
                if (p.caller != Thread.currentThread()) {
                    LockSupport.unpark(p.caller);
                }
            }
        }
    }
}
