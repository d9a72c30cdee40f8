package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.jdbc.JdbcOutbox;
import dev.tasks.jdbc.OutboxRelay;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.Delivery;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A producer killed with {@code kill -9} right after its {@code delayOnCommit} transactions committed loses
 * no task: with the JDBC broker the task rows were written in those transactions; with Redis they were
 * written to the transactional outbox and a relay started afterwards publishes them. The transaction that
 * was still open at the kill leaves neither its order nor its task.
 */
class ProducerCrashTest {
    private static final int COMMITTED = 20;

    @TempDir
    Path dir;
    private String schema;
    private RedisServer redis;

    @BeforeEach
    void setUp() {
        schema = TestPostgres.freshSchema();
        TestPostgres.execute("CREATE TABLE " + schema + ".crash_orders (id BIGINT PRIMARY KEY)");
        JdbcBroker.migrate(new BrokerSettings(TestPostgres.url(), Clock.systemUTC(), Map.of(JdbcBroker.OPTION_SCHEMA, schema)));
    }

    @AfterEach
    void tearDown() {
        if (redis != null) {
            redis.close();
        }
        TestPostgres.dropSchema(schema);
    }

    private void runProducerAndKillIt(String mode, String redisUrl, String prefix) {
        try (WorkerProcess p = WorkerProcess.builder(dir.resolve("producer-" + mode + ".log"))
                .mainClass(CommittingProducer.class.getName())
                .args(mode, TestPostgres.url(), schema, redisUrl, prefix, String.valueOf(COMMITTED))
                .start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> p.log().contains("open") || !p.isAlive());
            assertThat(p.log()).as("producer output").contains("committed " + COMMITTED).contains("open");
            p.kill();
        }
    }

    private List<Long> orders() throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + schema + ".crash_orders ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static TreeSet<Long> drainTaskArgs(Broker broker) {
        TreeSet<Long> args = new TreeSet<>();
        List<Delivery> batch;
        while (!(batch = broker.fetch(List.of("crash"), 100, Duration.ofMinutes(1), Duration.ZERO)).isEmpty()) {
            for (Delivery d : batch) {
                args.add(EnvelopeCodec.json().decode(d.payload()).args().get(0).asLong());
            }
            broker.ack(batch);
        }
        return args;
    }

    private static List<Long> oneTo(int n) {
        List<Long> l = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    void with_the_jdbc_broker_every_committed_task_exists_after_a_kill_9_and_the_open_one_does_not() throws Exception {
        runProducerAndKillIt("jdbc", "-", "-");
        assertThat(orders()).containsExactlyElementsOf(oneTo(COMMITTED));
        try (JdbcBroker broker = JdbcBroker.builder().url(TestPostgres.url())
                .options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).poolSize(2).build()) {
            assertThat(drainTaskArgs(broker)).containsExactlyElementsOf(oneTo(COMMITTED));
        }
    }

    @Test
    void with_redis_and_the_outbox_every_committed_task_arrives_after_a_kill_9_and_the_open_one_does_not()
            throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("redis"));
        redis = RedisServer.start(dir.resolve("redis"));
        String prefix = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        runProducerAndKillIt("outbox", redis.url(), prefix);
        assertThat(orders()).containsExactlyElementsOf(oneTo(COMMITTED));
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(TestPostgres.url());
        pg.setCurrentSchema(schema);
        try (RedisBroker broker = RedisBroker.builder().url(redis.url()).keyPrefix(prefix).build()) {
            assertThat(broker.stats("crash").ready()).as("nothing reached Redis before the relay ran").isZero();
            JdbcOutbox outbox = JdbcOutbox.builder(pg).schema(schema).build();
            try (OutboxRelay relay = outbox.relayTo(broker).build()) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> outbox.lag().rows() == 0);
            }
            assertThat(drainTaskArgs(broker)).containsExactlyElementsOf(oneTo(COMMITTED));
        }
    }
}
