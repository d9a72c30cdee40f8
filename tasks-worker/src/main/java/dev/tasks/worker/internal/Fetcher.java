package dev.tasks.worker.internal;

import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.support.LogSafe;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The worker's single fetcher thread: leases batches of deliveries while {@link Places} allow (see there for
 * when a fetch is due), holds them in {@link HeldRuns}, checks the batch for revocations in one call and
 * queues it for the slots. Queues are asked in an order rotated by one each fetch, so that with several
 * queues none is always asked first. A failed fetch is logged and tried again after a pause doubling from
 * 100 ms up to {@link #MAX_ERROR_BACKOFF}; the loop only ends when the worker stops fetching. Deliveries that
 * arrive after that are given back at once.
 */
final class Fetcher {

    private static final Logger log = LogSafe.logger(Worker.class);
    private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(5);

    private final WorkerConfig config;
    private final Broker broker;
    private final Clock clock;
    private final HeldRuns runs;
    private final Places places;
    private final Control control;
    private volatile boolean fetching;
    private long fetchRound;
    private Thread thread;

    Fetcher(WorkerConfig config, HeldRuns runs, Control control) {
        this.config = config;
        this.broker = config.broker();
        this.clock = config.clock();
        this.runs = runs;
        this.places = runs.places();
        this.control = control;
    }

    /** Starts the fetcher thread (not a daemon: a fetch in progress is let finish). Once only. */
    void start(String threadName) {
        fetching = true;
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(false);
        thread.start();
    }

    /** Stops fetching: the loop ends after the fetch in progress, whose deliveries are given back. */
    void stop() {
        fetching = false;
    }

    /**
     * Waits for the fetcher thread to end after {@link #stop}: for a fetch's longest wait plus 2 s, then
     * interrupts it and waits 5 s more; logs when it is still alive then.
     */
    void join() {
        Thread f = thread;
        if (f == null || f == Thread.currentThread()) {
            return;
        }
        try {
            f.join(config.fetchWait().toMillis() + 2000);
            if (f.isAlive()) {
                f.interrupt();
                f.join(5000);
                if (f.isAlive()) {
                    log.warn("fetcher thread {} did not stop within {} ms of shutdown; deliveries it still receives"
                            + " are given back when its fetch returns", f.getName(), config.fetchWait().toMillis() + 7000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        Duration backoff = Duration.ZERO;
        List<String> queues = config.queues();
        while (fetching) {
            int n = 0;
            try {
                n = places.awaitBatch(HeldRuns.POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (n == 0) {
                    continue;
                }
                List<String> order = rotate(queues, fetchRound++);
                List<Delivery> got = broker.fetch(order, n, config.lease(), config.fetchWait());
                Instant now = clock.instant();
                places.fetched(n, got.size());
                n = 0;
                List<Run> fetched = runs.hold(got, now);
                if (!fetching) {
                    for (Run r : fetched) {
                        r.cancelQueued();
                    }
                    runs.giveBack(fetched, "just fetched");
                    break;
                }
                control.checkRevocations(fetched);
                runs.queue(fetched);
                backoff = Duration.ZERO;
            } catch (InterruptedException e) {
                if (n > 0) {
                    places.release(n);
                }
                if (fetching) {
                    continue;
                }
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable t) {
                if (n > 0) {
                    places.release(n);
                }
                backoff = nextBackoff(backoff);
                log.warn("fetching from queues {} failed ({}); retrying in {} ms", queues, t.toString(),
                        backoff.toMillis(), t);
                if (!pause(backoff)) {
                    break;
                }
            }
        }
        log.debug("fetcher stopped");
    }

    private static List<String> rotate(List<String> queues, long round) {
        if (queues.size() == 1) {
            return queues;
        }
        int k = (int) (round % queues.size());
        List<String> r = new ArrayList<>(queues.size());
        r.addAll(queues.subList(k, queues.size()));
        r.addAll(queues.subList(0, k));
        return r;
    }

    private static Duration nextBackoff(Duration current) {
        Duration next = current.isZero() ? Duration.ofMillis(100) : current.multipliedBy(2);
        return next.compareTo(MAX_ERROR_BACKOFF) > 0 ? MAX_ERROR_BACKOFF : next;
    }

    /** Sleeps for a backoff; false if interrupted while the worker is stopping. */
    private boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            if (fetching) {
                return true;
            }
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
