package dev.tasks.redis;

import dev.tasks.spi.support.LogSafe;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;

/**
 * Wakes threads waiting for task results: one subscriber thread (started on the first wait) holds a
 * pub/sub connection subscribed to the channels of the results being waited for; {@code result_put.lua}
 * publishes on a record's channel when it turns final. A lost connection is re-established with backoff,
 * resubscribing every channel and waking every waiter (which then read the record again).
 */
final class RedisResultWaiters implements AutoCloseable {
    private static final Logger log = LogSafe.logger(RedisBroker.class);
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final ConnectionGuard guard;
    private final String keepAlive;
    private final Map<String, Set<Object>> waiters = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Listener listener;
    private volatile CountDownLatch ready = new CountDownLatch(1);
    private Thread thread;

    RedisResultWaiters(ConnectionGuard guard, String keyPrefix) {
        this.guard = guard;
        this.keepAlive = keyPrefix + ":result-waiters";
    }

    private final class Listener extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int count) {
            if (channel.equals(keepAlive)) {
                ready.countDown();
            }
            wake(channel);
        }

        @Override
        public void onMessage(String channel, String message) {
            wake(channel);
        }
    }

    /**
     * Registers {@code monitor} as waiting on {@code channel} and makes sure the channel is subscribed.
     *
     * @return false when notifications are not available now (the caller falls back to polling)
     */
    boolean register(String channel, Object monitor) {
        if (closed.get()) {
            return false;
        }
        waiters.computeIfAbsent(channel, c -> ConcurrentHashMap.newKeySet()).add(monitor);
        ensureStarted();
        try {
            if (!ready.await(2, TimeUnit.SECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        Listener l = listener;
        if (l == null) {
            return false;
        }
        try {
            synchronized (this) {
                l.subscribe(channel);
            }
            return true;
        } catch (RuntimeException e) {
            log.debug("could not subscribe to {}: {}", channel, e.toString());
            return false;
        }
    }

    /** Removes a waiter; unsubscribes the channel when it was the last. */
    void unregister(String channel, Object monitor) {
        Set<Object> set = waiters.get(channel);
        if (set == null) {
            return;
        }
        set.remove(monitor);
        if (set.isEmpty() && waiters.remove(channel, set)) {
            Listener l = listener;
            if (l != null) {
                try {
                    synchronized (this) {
                        l.unsubscribe(channel);
                    }
                } catch (RuntimeException e) {
                    log.debug("could not unsubscribe from {}: {}", channel, e.toString());
                }
            }
        }
    }

    private void wake(String channel) {
        Set<Object> set = waiters.get(channel);
        if (set != null) {
            for (Object m : set) {
                synchronized (m) {
                    if (m instanceof RedisResultStore.Signal s) {
                        s.fired = true;
                    }
                    m.notifyAll();
                }
            }
        }
    }

    private void wakeAll() {
        for (String c : waiters.keySet()) {
            wake(c);
        }
    }

    private synchronized void ensureStarted() {
        if (running.get() || closed.get()) {
            return;
        }
        running.set(true);
        thread = new Thread(this::run, "tasks-redis-result-waiters");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long backoff = 100;
        while (!closed.get()) {
            Listener l = new Listener();
            listener = l;
            try {
                String[] channels = waiters.keySet().toArray(new String[0]);
                String[] all = new String[channels.length + 1];
                all[0] = keepAlive;
                System.arraycopy(channels, 0, all, 1, channels.length);
                guard.jedis().subscribe(l, all);
                backoff = 100;
            } catch (Throwable t) {
                if (closed.get()) {
                    return;
                }
                log.warn("result notifications from {} lost ({}); waiters poll until reconnected in {} ms",
                        guard.where(), t.toString(), backoff);
            }
            listener = null;
            ready = new CountDownLatch(1);
            wakeAll();
            if (closed.get()) {
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Listener l = listener;
        if (l != null) {
            try {
                synchronized (this) {
                    l.unsubscribe();
                }
            } catch (RuntimeException e) {
                log.debug("closing result notifications: {}", e.toString());
            }
        }
        wakeAll();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
