package dev.tasks.jdbc;

import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that {@code LISTEN}s on the broker's channel and turns each notification (payload:
 * the queue name) into a wake-up of the fetches blocked on that queue. Reconnects with backoff when the
 * connection drops; polling covers the gap, and every waiter is woken after a reconnect in case a
 * notification was missed.
 */
final class PgListener implements AutoCloseable {
    private static final Logger log = LogSafe.logger(PgListener.class);
    private static final int POLL_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final DataSource dataSource;
    private final String channel;
    private final WakeUps wakeUps;
    private final String resultChannel;
    private final ResultSignals results;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);

    private PgListener(DataSource dataSource, String channel, WakeUps wakeUps, String resultChannel,
            ResultSignals results, String threadName) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.wakeUps = wakeUps;
        this.resultChannel = resultChannel;
        this.results = results;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    static PgListener start(DataSource dataSource, String channel, WakeUps wakeUps, String threadName) {
        return start(dataSource, channel, wakeUps, null, null, threadName);
    }

    /** Also listens on {@code resultChannel} (payload: a task id whose result turned final) for {@code results}. */
    static PgListener start(DataSource dataSource, String channel, WakeUps wakeUps, String resultChannel,
            ResultSignals results, String threadName) {
        PgListener l = new PgListener(dataSource, channel, wakeUps, resultChannel, results, threadName);
        l.thread.start();
        return l;
    }

    private void run() {
        long backoff = 100;
        boolean connectedBefore = false;
        while (running.get()) {
            try (Connection c = dataSource.getConnection()) {
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN \"" + channel + "\"");
                    if (results != null) {
                        st.execute("LISTEN \"" + resultChannel + "\"");
                    }
                }
                if (connectedBefore) {
                    log.info("listening for enqueue notifications on channel {} again", channel);
                }
                connectedBefore = true;
                backoff = 100;
                wakeUps.signalAll();
                if (results != null) {
                    results.signalAll();
                }
                while (running.get()) {
                    PGNotification[] ns = pg.getNotifications(POLL_MILLIS);
                    if (ns != null) {
                        for (PGNotification n : ns) {
                            if (results != null && resultChannel.equals(n.getName())) {
                                results.signal(n.getParameter());
                            } else {
                                wakeUps.signal(n.getParameter());
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                if (!running.get()) {
                    return;
                }
                log.warn("enqueue notifications on channel {} lost ({}); fetches poll until reconnected in {} ms",
                        channel, e.getMessage(), backoff);
            } catch (Throwable t) {
                if (!running.get()) {
                    return;
                }
                log.error("enqueue notification listener on channel {} failed; restarting in {} ms", channel, backoff, t);
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                if (!running.get()) {
                    return;
                }
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /** Asks the thread to stop; it does within {@value #POLL_MILLIS} ms, or at once if its connection is closed. */
    void stop() {
        running.set(false);
    }

    /** Stops the thread and waits for it (up to twice the poll time). */
    @Override
    public void close() {
        stop();
        try {
            thread.join(POLL_MILLIS * 2L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
