package dev.tasks.beat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Brokers;
import dev.tasks.jdbc.JdbcBroker;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.redis.RedisBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.Delivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover between {@code beat} processes (separate JVMs) on Redis, PostgreSQL and H2 (a file shared with
 * {@code AUTO_SERVER=TRUE}), a schedule every second and a 3 s lock TTL, counting what reaches the queue per
 * slot: the leader killed with SIGKILL, or frozen with SIGSTOP past its lease and then resumed. Every slot
 * between the first and the last must be enqueued exactly once; the only repeat allowed is a slot the
 * killed leader recorded but had not confirmed, which the successor sends again with the same idempotency
 * key (so it runs once) and says so in its log.
 */
class BeatProcessFailoverTest {
    private static final String LOCK_TTL = "3s";
    private static final Duration SLOT = Duration.ofSeconds(1);

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    private final List<Runnable> cleanups = new CopyOnWriteArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        cleanups.forEach(Runnable::run);
    }

    /** A broker the beat processes share: its {@code tasks.properties} text, and the test's own connection. */
    private record Target(String name, String config, Broker broker) {}

    private Target redis() {
        String url = TestServers.redisUrl();
        String prefix = "beatfo-" + suffix;
        Broker b = Brokers.open(new BrokerSettings(url, Clock.systemUTC(), Map.of(RedisBroker.OPTION_KEY_PREFIX, prefix)));
        toClose.add(b);
        cleanups.add(() -> TestServers.deleteRedisKeys(prefix));
        return new Target("Redis", "tasks.broker.url=" + url + "\ntasks.redis.keyPrefix=" + prefix + "\n", b);
    }

    private Target postgres() {
        String schema = TestServers.freshPostgresSchema();
        cleanups.add(() -> TestServers.dropPostgresSchema(schema));
        String url = TestServers.postgresUrl();
        Broker b = Brokers.open(new BrokerSettings(url, Clock.systemUTC(), Map.of(JdbcBroker.OPTION_SCHEMA, schema)));
        toClose.add(b);
        return new Target("PostgreSQL", "tasks.broker.url=" + url + "\ntasks.jdbc.schema=" + schema + "\n", b);
    }

    private Target h2(Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("tasks").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        Broker b = Brokers.open(url); // the test's JVM opens the file first: it serves it to the beat processes
        toClose.add(b);
        return new Target("H2", "tasks.broker.url=" + url + "\n", b);
    }

    /** One scenario's processes, files and queue. */
    private final class Scenario {
        final Target target;
        final Path dir;
        final String queue = "beat-failover-" + suffix;
        final String lockName = "beat-failover-" + suffix;
        final Path config;
        final Path schedules;
        final List<Instant> slots = new CopyOnWriteArrayList<>();
        private final AtomicInteger started = new AtomicInteger();

        Scenario(Target target, Path dir) throws Exception {
            this.target = target;
            this.dir = Files.createDirectories(dir.resolve(target.name()));
            config = Files.writeString(this.dir.resolve("tasks.properties"), target.config());
            schedules = Files.writeString(this.dir.resolve("beat.properties"),
                    "beat.schedule.tick-" + suffix + ".interval=1s\n"
                    + "beat.schedule.tick-" + suffix + ".task=app.tick\n"
                    + "beat.schedule.tick-" + suffix + ".queue=" + queue + "\n");
        }

        BeatProcess start() throws Exception {
            BeatProcess p = BeatProcess.start(target.name() + "-beat-" + started.incrementAndGet(), dir, config,
                    schedules, LOCK_TTL, lockName);
            toClose.add(p);
            return p;
        }

        /** Moves what is queued into {@link #slots} (the slot of each message, from its idempotency key). */
        List<Instant> drain() {
            EnvelopeCodec codec = EnvelopeCodec.json();
            while (true) {
                List<Delivery> ds = target.broker().fetch(List.of(queue), 100, Duration.ofMinutes(1), Duration.ZERO);
                if (ds.isEmpty()) {
                    return slots;
                }
                for (Delivery d : ds) {
                    String key = codec.decode(d.payload()).idempotencyKey();
                    slots.add(Instant.parse(key.substring(key.indexOf('@') + 1)));
                }
                target.broker().ack(ds);
            }
        }

        void awaitSlotAtOrAfter(Instant t, Duration atMost) {
            await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                    .until(() -> drain().stream().anyMatch(s -> !s.isBefore(t)));
        }

        /**
         * Asserts every slot from the first to the last was enqueued exactly once, except slots a successor
         * logged as re-sent (recorded by its predecessor but not confirmed), which may come twice.
         */
        void assertEachSlotOnce(List<Instant> resent, String logs) {
            TreeMap<Instant, Integer> counts = new TreeMap<>();
            drain().forEach(s -> counts.merge(s, 1, Integer::sum));
            List<Instant> missing = new ArrayList<>();
            List<Instant> doubled = new ArrayList<>();
            Instant first = counts.firstKey();
            Instant last = counts.lastKey();
            for (Instant s = first; !s.isAfter(last); s = s.plus(SLOT)) {
                int n = counts.getOrDefault(s, 0);
                if (n == 0) {
                    missing.add(s);
                } else if (n > 1) {
                    doubled.add(s);
                }
            }
            String what = target.name() + ": slots " + first + " to " + last + "\n" + logs;
            assertThat(missing).as("missing slots on " + what).isEmpty();
            assertThat(doubled).as("slots enqueued twice (only a re-sent unconfirmed slot may be) on " + what)
                    .isSubsetOf(resent).hasSizeLessThanOrEqualTo(1);
            assertThat(counts.keySet()).as("slots on " + what).hasSizeGreaterThanOrEqualTo(6);
        }
    }

    /** What one kill-9 run measured. */
    private record Failover(String broker, Duration takeover, int caughtUp, int slots, int doubled) {}

    /** Starts two beats at once; returns them leader first, once the leader has enqueued a few slots. */
    private List<BeatProcess> leaderAndStandby(Scenario sc) throws Exception {
        BeatProcess a = sc.start();
        BeatProcess b = sc.start();
        a.awaitRunning();
        b.awaitRunning();
        await().atMost(Duration.ofSeconds(30)).until(() -> sc.drain().size() >= 3);
        // The one that took the lock last leads (on a busy machine a leader may have lost it once already).
        Instant aSince = a.leaderSince().orElse(Instant.MIN);
        Instant bSince = b.leaderSince().orElse(Instant.MIN);
        return aSince.isAfter(bSince) ? List.of(a, b) : List.of(b, a);
    }

    private Failover killTheLeader(Scenario sc) throws Exception {
        List<BeatProcess> both = leaderAndStandby(sc);
        BeatProcess leader = both.get(0);
        BeatProcess standby = both.get(1);

        leader.kill();
        Instant killedAt = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> standby.leaderSince().filter(killedAt::isBefore).isPresent());
        Instant takeover = standby.leaderSince().orElseThrow();
        sc.awaitSlotAtOrAfter(takeover.plusSeconds(3), Duration.ofSeconds(30));
        int exit = standby.stopWarmly();
        String logs = leader.output() + standby.output();
        assertThat(exit).as(logs).isZero();

        sc.assertEachSlotOnce(standby.resentSlots(), logs);
        // The standby fired the slots that came due while no leader was active, as soon as it took the lock.
        int caughtUp = (int) standby.enqueuedSlots().stream().filter(s -> s.isBefore(takeover.minusMillis(500))).count();
        Map<Instant, Integer> counts = new TreeMap<>();
        sc.slots.forEach(s -> counts.merge(s, 1, Integer::sum));
        return new Failover(sc.target.name(), Duration.between(killedAt, takeover), caughtUp, counts.size(),
                (int) counts.values().stream().filter(n -> n > 1).count());
    }

    @Test
    void after_a_kill_9_of_the_leader_the_standby_enqueues_every_slot_once_on_every_broker(@TempDir Path dir)
            throws Exception {
        List<Scenario> scenarios = List.of(new Scenario(redis(), dir), new Scenario(postgres(), dir),
                new Scenario(h2(dir), dir));
        ExecutorService pool = Executors.newFixedThreadPool(scenarios.size(), r -> new Thread(r, "beat-failover-scenario"));
        try {
            List<Future<Failover>> runs = new ArrayList<>();
            for (Scenario sc : scenarios) {
                runs.add(pool.submit(() -> killTheLeader(sc)));
            }
            for (Future<Failover> run : runs) {
                Failover f = run.get(3, TimeUnit.MINUTES);
                System.out.printf("beat failover on %s: the standby took the lock %d ms after the kill and sent the %d"
                        + " slots due meanwhile; %d slots, 0 missing, %d enqueued twice%n", f.broker(),
                        f.takeover().toMillis(), f.caughtUp(), f.slots(), f.doubled());
                assertThat(f.takeover()).as(f.broker() + " takeover").isLessThan(Duration.ofSeconds(20));
                assertThat(f.caughtUp()).as(f.broker() + ": slots due before the takeover, sent by the standby")
                        .isGreaterThanOrEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_leader_frozen_past_its_lease_enqueues_nothing_when_it_resumes(@TempDir Path dir) throws Exception {
        Scenario sc = new Scenario(redis(), dir);
        List<BeatProcess> both = leaderAndStandby(sc);
        BeatProcess leader = both.get(0);
        BeatProcess standby = both.get(1);

        leader.pause();
        Instant frozenAt = Instant.now();
        await().atMost(Duration.ofSeconds(30)).until(() -> standby.leaderSince().filter(frozenAt::isBefore).isPresent());
        sc.awaitSlotAtOrAfter(standby.leaderSince().orElseThrow().plusSeconds(2), Duration.ofSeconds(30));
        Instant resumedAt = Instant.now();
        leader.resume();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> leader.last("lost the leader lock").filter(l -> l.at().isAfter(resumedAt)).isPresent());
        sc.awaitSlotAtOrAfter(resumedAt.plusSeconds(2), Duration.ofSeconds(30));

        int leaderExit = leader.stopWarmly();
        int standbyExit = standby.stopWarmly();
        String logs = leader.output() + standby.output();
        assertThat(leaderExit).as(logs).isZero();
        assertThat(standbyExit).as(logs).isZero();
        assertThat(leader.enqueuedSlots()).as("slots the frozen leader enqueued (none after it was frozen)\n" + logs)
                .allSatisfy(s -> assertThat(s).isBeforeOrEqualTo(frozenAt));
        sc.assertEachSlotOnce(standby.resentSlots(), logs);
        System.out.printf("beat SIGSTOP of the leader for %d ms (lock TTL %s): it resumed on standby and enqueued"
                + " nothing; %d slots, each once%n", Duration.between(frozenAt, resumedAt).toMillis(), LOCK_TTL,
                sc.slots.size());
    }
}
