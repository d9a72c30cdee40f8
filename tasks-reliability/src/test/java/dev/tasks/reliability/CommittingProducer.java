package dev.tasks.reliability;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.jdbc.JdbcOutbox;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.tx.TransactionalDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A producer process for {@link ProducerCrashTest}: in its own transactions it inserts orders and enqueues
 * one task each with {@code sendOnCommit}, prints {@code committed N} after each commit, then opens one more
 * transaction, prints {@code open} and waits inside it to be killed with {@code kill -9}.
 *
 * <p>Arguments: {@code jdbc|outbox} (the task row in the JDBC broker's table, or an outbox row relayed to
 * Redis later), the PostgreSQL URL, the schema, the Redis URL and key prefix (outbox only), the order count.
 */
public final class CommittingProducer {
    private CommittingProducer() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String pgUrl = args[1];
        String schema = args[2];
        String redisUrl = args[3];
        String prefix = args[4];
        int count = Integer.parseInt(args[5]);
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(pgUrl);
        pg.setCurrentSchema(schema);
        TransactionalDataSource app = new TransactionalDataSource(pg);
        Broker broker;
        Tasks.Builder b = Tasks.builder();
        if (mode.equals("jdbc")) {
            broker = JdbcBroker.builder().url(pgUrl).options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).poolSize(2).build();
        } else {
            broker = RedisBroker.builder().url(redisUrl).keyPrefix(prefix).build();
            b.transactionalPublisher(JdbcOutbox.builder(pg).schema(schema).build());
        }
        Tasks tasks = b.broker(broker).build();
        for (int i = 1; i <= count + 1; i++) {
            Connection c = app.getConnection();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into crash_orders (id) values (?)")) {
                ps.setLong(1, i);
                ps.executeUpdate();
            }
            tasks.sendOnCommit(Signature.of("crash.confirm", (long) i).queue("crash"));
            if (i <= count) {
                c.commit();
                c.close();
                System.out.println("committed " + i);
            } else {
                System.out.println("open");
            }
            System.out.flush();
        }
        Thread.currentThread().join(); // inside the last, uncommitted transaction, until killed
    }
}
