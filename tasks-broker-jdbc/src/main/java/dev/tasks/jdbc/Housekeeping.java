package dev.tasks.jdbc;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes expired results and idempotency keys once in a while, on one named daemon thread. */
final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    private final Database db;
    private final Clock clock;
    private final ScheduledExecutorService executor;

    Housekeeping(Database db, Clock clock, String threadName, Duration interval) {
        this.db = db;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
    }

    void runOnce() {
        try {
            long now = clock.millis();
            int deleted = db.run("deleting expired results and idempotency keys", c -> {
                int n = 0;
                for (String table : new String[] {db.names.results, db.names.idempotency}) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at < ?")) {
                        ps.setLong(1, now);
                        n += ps.executeUpdate();
                    }
                }
                return n;
            });
            if (deleted > 0) {
                log.debug("deleted {} expired results and idempotency keys", deleted);
            }
        } catch (Throwable t) {
            log.warn("housekeeping of {} failed; trying again later: {}", db.description, t.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
