package dev.tasks.worker.internal;

import dev.tasks.BrokerException;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.support.LogSafe;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * Settles runs (retry, dead letter, early or put-back acknowledgement, stored result) on the slot's thread,
 * sending an operation again when it fails with a transient {@link BrokerException} (connection lost, lock
 * timeout, the process hosting an embedded database gone) after a {@link Backoff} pause, until it goes
 * through. Meanwhile the run is still held, so the lease heartbeat keeps its lease: a broker that comes back
 * within the lease gets the task settled within a second, instead of the task waiting out its whole lease.
 * Sending again is safe: each operation names one delivery (by its receipt), and settling a delivery that is
 * already settled does nothing; a stored result is put by task id.
 *
 * <p>Not retried: an error that would fail again (an SQL constraint violation, data or syntax error), any
 * other exception, and every error once {@link #stopBy} was called and its deadline comes before the next
 * attempt (the shutdown grace period ran out) or the thread was interrupted. Those end in {@link GaveUp} (for
 * a transient error left at shutdown) or the error itself; the task then stays leased and is redelivered
 * when its lease runs out.
 */
final class Settler {

    /** A transient broker error still there when the worker stopped retrying (shutdown); one line, no trace. */
    static final class GaveUp extends BrokerException {
        private static final long serialVersionUID = 1L;

        GaveUp(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private static final Logger log = LogSafe.logger(Settler.class);
    private static final long NO_DEADLINE = Long.MIN_VALUE;

    private final Broker broker;
    /** When retries stop ({@link System#nanoTime}), or {@link #NO_DEADLINE}. */
    private volatile long deadline = NO_DEADLINE;

    Settler(Broker broker) {
        this.broker = broker;
    }

    /** From now on, a failed operation is sent again only if its next attempt comes before {@code nanoTime}. */
    void stopBy(long nanoTime) {
        deadline = nanoTime;
    }

    void retry(Delivery delivery, String payload, Duration delay) {
        call("offering again " + subject(delivery), () -> broker.retry(delivery, payload, delay));
    }

    void deadLetter(Delivery delivery, String reason) {
        call("dead-lettering " + subject(delivery), () -> broker.deadLetter(delivery, reason));
    }

    void ack(Delivery delivery) {
        call("acknowledging " + subject(delivery), () -> broker.ack(List.of(delivery)));
    }

    void putResult(StoredResult result, Duration ttl) {
        call("storing the state " + result.state() + " of task " + result.taskId(), () -> broker.results().put(result, ttl));
    }

    private void call(String what, Runnable operation) {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                operation.run();
                if (backoff.failures() > 0) {
                    log.info("{} went through after {} attempts", what, backoff.failures() + 1);
                }
                return;
            } catch (BrokerException e) {
                if (!isTransient(e)) {
                    throw e;
                }
                long pause = backoff.nextPause();
                long stop = deadline;
                if (stop != NO_DEADLINE && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) - stop >= 0) {
                    throw new GaveUp(what + " still failed when the shutdown grace period"
                            + " ended, after " + (backoff.failures() + 1) + " attempt(s): " + e.getMessage(), e);
                }
                if (backoff.failures() == 0) {
                    log.warn("{} failed ({}); retrying every {} ms or less, the task stays leased meanwhile", what,
                            e.getMessage(), Backoff.MAX_MILLIS);
                }
                backoff.failed();
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(pause));
                if (Thread.currentThread().isInterrupted()) {
                    throw new GaveUp(what + " was interrupted after "
                            + backoff.failures() + " failed attempt(s): " + e.getMessage(), e);
                }
            }
        }
    }

    private static String subject(Delivery delivery) {
        return "message " + delivery.messageId() + " of queue " + delivery.queue();
    }

    /**
     * Whether sending the operation again may succeed: false when the broker's cause is an error that repeats
     * on every attempt (an SQL integrity constraint, data, syntax or access rule error: SQLSTATE classes 22,
     * 23, 42, 44; a Redis key of the wrong type or a failing script), true for everything else (connections,
     * timeouts, deadlocks, servers restarting or out of memory).
     */
    static boolean isTransient(BrokerException e) {
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof SQLIntegrityConstraintViolationException || t instanceof SQLDataException
                    || t instanceof SQLSyntaxErrorException) {
                return false;
            }
            String message = t.getMessage();
            if (message != null && (message.startsWith("WRONGTYPE") || message.contains("user_script:")
                    || message.contains("Error running script"))) {
                return false;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2) {
                String type = sql.getSQLState().substring(0, 2);
                if (type.equals("22") || type.equals("23") || type.equals("42") || type.equals("44")) {
                    return false;
                }
            }
        }
        return true;
    }
}
