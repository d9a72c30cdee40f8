package dev.tasks.examples.docs;

import dev.tasks.Brokers;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.jdbc.JdbcMigrations;
import dev.tasks.jdbc.JdbcOutbox;
import dev.tasks.jdbc.OutboxLag;
import dev.tasks.jdbc.OutboxRelay;
import dev.tasks.spi.Broker;
import dev.tasks.tx.TransactionalDataSource;
import java.time.Clock;

/**
 * A Redis broker with a transactional outbox in the application's database: {@code delayOnCommit} writes
 * to the outbox in the caller's transaction, and a relay moves the rows to Redis.
 */
public final class OutboxWiring implements AutoCloseable {
    private final Broker redis;
    private final Tasks tasks;
    private final OutboxRelay relay;
    private final JdbcOutbox outbox;

    public OutboxWiring(TransactionalDataSource appDb) {
        JdbcMigrations.builder(appDb.delegate()).build().migrate();
        outbox = JdbcOutbox.builder(appDb.delegate()).build();
        redis = Brokers.open(TasksConfig.load().brokerSettings(Clock.systemUTC()));
        tasks = Tasks.builder()
                .broker(redis)
                .transactionalPublisher(outbox)
                .declare(InvoiceTasks.class)
                .build();
        relay = outbox.relayTo(redis).build();
        relay.start();
    }

    public Tasks tasks() {
        return tasks;
    }

    /** Rows waiting and the age of the oldest: export it as a gauge and alert when it grows. */
    public OutboxLag lag() {
        return outbox.lag();
    }

    @Override
    public void close() {
        relay.stop();
        tasks.close();
        redis.close();
    }
}
