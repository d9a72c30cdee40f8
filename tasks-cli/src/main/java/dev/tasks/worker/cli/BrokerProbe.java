package dev.tasks.worker.cli;

import dev.tasks.spi.support.LogSafe;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a broker a cheap question (a queue's counts, a state key) on a thread of its own and waits for the
 * answer up to {@link #TIMEOUT}, so a health check answers in bounded time even when the broker hangs (a
 * black-holed link, a connection pool waiting for its connection timeout). While one call hangs, later
 * checks wait for that same call instead of piling up new ones. Thread-safe.
 */
public final class BrokerProbe implements AutoCloseable {
    /** How long a check waits for the broker's answer before it reports the broker as not answering. */
    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Runnable call;
    private final Duration timeout;
    private final ExecutorService executor;
    private Future<?> inFlight;

    /** A probe that runs {@code call} (which throws when the broker cannot answer), waiting up to {@link #TIMEOUT}. */
    public BrokerProbe(Runnable call) {
        this(call, TIMEOUT);
    }

    BrokerProbe(Runnable call, Duration timeout) {
        this.call = Objects.requireNonNull(call, "call");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tasks-health-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** Empty when the broker answered in time; otherwise one line saying why not. */
    public synchronized Optional<String> check() {
        if (inFlight == null || inFlight.isDone()) {
            inFlight = executor.submit(call);
        }
        try {
            inFlight.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            return Optional.of("the broker did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable why = e.getCause() == null ? e : e.getCause();
            String message = why.getMessage() == null ? why.toString() : why.getMessage();
            if (why.getCause() != null && why.getCause().getMessage() != null
                    && !message.contains(why.getCause().getMessage())) {
                message += ": " + why.getCause().getMessage();
            }
            return Optional.of("the broker is unreachable: " + LogSafe.escape(TasksCli.oneLine(message), 300));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while waiting for the broker");
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
