package dev.tasks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load for {@link PostgresBrokerTest}: several brokers (as several workers) extend, acknowledge, release and
 * claim overlapping random sets of the same leased rows from many threads, each set in a shuffled order.
 * Deadlocks are counted as the clients see them and, where the server's log can be read, in the log too (by
 * the schema's name).
 */
final class PostgresLockContention {
    private static final Logger log = LoggerFactory.getLogger(PostgresLockContention.class);
    private static final int BROKERS = 3;
    private static final int THREADS_PER_BROKER = 4;
    private static final int MESSAGES = 3_000;
    private static final Duration RUN = Duration.ofSeconds(4);
    private static final Duration LEASE = Duration.ofSeconds(60);

    private PostgresLockContention() {}

    /** Runs the load in {@code schema}; asserts that no call failed and no deadlock was logged. */
    static void run(String schema) throws Exception {
        String queue = "locks";
        long logStart = serverLogSize();
        List<JdbcBroker> brokers = new ArrayList<>();
        try {
            for (int i = 0; i < BROKERS; i++) {
                brokers.add(JdbcBroker.builder().url(TestDatabases.postgresUrl())
                        .options(Map.of(JdbcBroker.OPTION_SCHEMA, schema)).build());
            }
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                batch.add(new OutboundMessage("m" + i, queue, 0, null, "{}"));
            }
            brokers.get(0).publish(batch);
            // Leased rows, shared by every thread: each one extends, acks or releases random sets of them.
            Map<String, Delivery> leased = new ConcurrentHashMap<>();
            AtomicLong calls = new AtomicLong();
            AtomicLong deadlocks = new AtomicLong();
            List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
            long end = System.nanoTime() + RUN.toNanos();
            CountDownLatch done = new CountDownLatch(BROKERS * THREADS_PER_BROKER);
            for (JdbcBroker broker : brokers) {
                for (int t = 0; t < THREADS_PER_BROKER; t++) {
                    Thread thread = new Thread(() -> {
                        try {
                            while (System.nanoTime() < end) {
                                try {
                                    step(broker, queue, leased);
                                    calls.incrementAndGet();
                                } catch (RuntimeException e) {
                                    if (String.valueOf(e.getMessage()).contains("deadlock detected")) {
                                        deadlocks.incrementAndGet();
                                    }
                                    errors.add(e);
                                }
                            }
                        } finally {
                            done.countDown();
                        }
                    }, "lock-order-" + brokers.indexOf(broker) + "-" + t);
                    thread.setDaemon(true);
                    thread.start();
                }
            }
            assertThat(done.await(RUN.toSeconds() + 120, TimeUnit.SECONDS)).as("threads finished").isTrue();
            long logged = deadlocksInServerLog(schema, logStart);
            log.info("lock order: {} calls from {} threads on {} brokers in {}; {} deadlock(s) seen by the clients,"
                    + " {} in the server log (-1: not readable), {} error(s)", calls.get(),
                    BROKERS * THREADS_PER_BROKER, BROKERS, RUN, deadlocks.get(), logged, errors.size());
            assertThat(deadlocks.get()).as("deadlocks seen by the clients; first errors: %s",
                    errors.subList(0, Math.min(3, errors.size()))).isZero();
            assertThat(errors).as("%d call(s), %d deadlock(s) in the server log", calls.get(), logged).isEmpty();
            assertThat(logged).as("deadlocks in the server log").isLessThanOrEqualTo(0);
            assertThat(calls.get()).isGreaterThan(BROKERS * THREADS_PER_BROKER * 5L);
        } finally {
            brokers.forEach(JdbcBroker::close);
        }
    }

    /** One random operation: claim more rows, or extend, ack or release a random set of the leased ones. */
    private static void step(JdbcBroker broker, String queue, Map<String, Delivery> leased) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int op = random.nextInt(10);
        if (op < 2 || leased.size() < 100) {
            for (Delivery d : broker.fetch(List.of(queue), 50, LEASE, Duration.ZERO)) {
                leased.put(d.receipt(), d);
            }
            return;
        }
        List<Delivery> pick = new ArrayList<>(leased.values());
        Collections.shuffle(pick, random);
        if (op < 7) {
            broker.extendLeases(pick.subList(0, Math.min(40, pick.size())), LEASE);
        } else if (op < 9) {
            List<Delivery> acked = pick.subList(0, Math.min(20, pick.size()));
            broker.ack(acked);
            acked.forEach(d -> leased.remove(d.receipt()));
        } else {
            List<Delivery> released = pick.subList(0, Math.min(20, pick.size()));
            broker.release(released);
            released.forEach(d -> leased.remove(d.receipt()));
        }
    }

    /**
     * The server's log file, when this connection may read it (a superuser on a server that writes one), or
     * null. Debian's clusters log to {@code /var/log/postgresql/postgresql-<major>-main.log}.
     */
    private static String serverLog(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_current_logfile(), "
                + "current_setting('server_version_num')::int / 10000, rolsuper FROM pg_roles"
                + " WHERE rolname = current_user");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(3)) {
                return null;
            }
            String current = rs.getString(1);
            return current != null ? current : "/var/log/postgresql/postgresql-" + rs.getInt(2) + "-main.log";
        }
    }

    private static long serverLogSize() {
        try (Connection c = DriverManager.getConnection(TestDatabases.postgresUrl())) {
            String file = serverLog(c);
            if (file == null) {
                return -1;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT size FROM pg_stat_file(?, true)")) {
                ps.setString(1, file);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
                }
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Deadlock errors logged since {@code from} whose statement names this test's schema; -1 if unreadable. */
    private static long deadlocksInServerLog(String schema, long from) {
        if (from < 0) {
            return -1;
        }
        try (Connection c = DriverManager.getConnection(TestDatabases.postgresUrl())) {
            String file = serverLog(c);
            String text;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_read_file(?, ?, GREATEST((SELECT size FROM pg_stat_file(?)) - ?, 0))")) {
                ps.setString(1, file);
                ps.setLong(2, from);
                ps.setString(3, file);
                ps.setLong(4, from);
                try (ResultSet rs = ps.executeQuery()) {
                    text = rs.next() ? rs.getString(1) : "";
                }
            }
            long n = 0;
            boolean inDeadlock = false;
            for (String line : text.split("\n")) {
                if (line.contains("ERROR:  deadlock detected")) {
                    inDeadlock = true;
                } else if (inDeadlock && line.contains("STATEMENT:")) {
                    if (line.contains(schema + ".")) {
                        n++;
                    }
                    inDeadlock = false;
                }
            }
            return n;
        } catch (SQLException e) {
            log.info("the server log cannot be read ({}); deadlocks are counted by the clients only", e.getMessage());
            return -1;
        }
    }
}
