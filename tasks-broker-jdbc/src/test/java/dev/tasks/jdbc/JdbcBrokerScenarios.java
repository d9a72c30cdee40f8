package dev.tasks.jdbc;

import dev.tasks.tck.SettableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.ResultStore;
import dev.tasks.TaskState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Broker behaviour checked on every supported database; subclasses say which. */
abstract class JdbcBrokerScenarios {
    static final Duration LEASE = Duration.ofSeconds(30);

    SettableClock clock;
    JdbcBroker broker;
    String queue;

    /** The JDBC URL of the database under test. */
    abstract String url();

    /** Options such as the schema. */
    abstract Map<String, String> options();

    JdbcBroker open(SettableClock clock) {
        return JdbcBroker.builder().url(url()).clock(clock).options(options()).build();
    }

    @BeforeEach
    void openBroker() {
        clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
        broker = open(clock);
        queue = "q-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    static OutboundMessage msg(String queue, String id) {
        return new OutboundMessage(id, queue, 0, null, "{\"id\":\"" + id + "\"}");
    }

    static List<String> ids(List<Delivery> ds) {
        return ds.stream().map(Delivery::messageId).toList();
    }

    @Test
    void a_claim_whose_reply_is_lost_after_it_committed_leaves_nothing_leased() {
        broker.publish(List.of(msg(queue, "a"), msg(queue, "b"), msg(queue, "c")));
        LostReplies lost = new LostReplies(url());
        try (JdbcBroker b = JdbcBroker.builder().dataSource(lost.dataSource()).clock(clock).options(options()).build()) {
            lost.loseNextClaimReply();
            assertThatThrownBy(() -> b.fetch(List.of(queue), 10, LEASE, Duration.ZERO)).isInstanceOf(BrokerException.class)
                    .hasMessageContaining("simulated");
            assertThat(lost.armed()).isFalse();
            // The clock stands still: rows leased by the lost claim would stay leased for the whole lease.
            List<Delivery> got = b.fetch(List.of(queue), 10, LEASE, Duration.ZERO);
            assertThat(ids(got)).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(got).allMatch(d -> d.deliveryCount() == 1);
            b.ack(got);
        }
    }

    @Test
    void a_claim_over_many_queues_shares_its_rows_among_the_queues_that_have_some() {
        assertThat(JdbcBroker.perQueueLimit(64, 1)).isEqualTo(64);
        assertThat(JdbcBroker.perQueueLimit(64, 2)).isEqualTo(32);
        assertThat(JdbcBroker.perQueueLimit(64, 64)).isEqualTo(1);
        assertThat(JdbcBroker.perQueueLimit(64, 0)).isEqualTo(64);
        assertThat(JdbcBroker.perQueueLimit(10, 3)).isEqualTo(4);
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queues.add(queue + "-" + i);
        }
        try (JdbcBroker broker = open(clock)) {
            List<OutboundMessage> all = new ArrayList<>();
            for (String q : queues) {
                for (int i = 0; i < 3; i++) {
                    all.add(msg(q, q + "-" + i));
                }
            }
            broker.publish(all);
            // Every queue has rows: 64 rows from 64 queues, whatever the per-queue limit.
            for (int round = 0; round < 2; round++) {
                List<Delivery> got = broker.fetch(queues, 64, LEASE, Duration.ZERO);
                assertThat(got).hasSize(64);
                assertThat(got.stream().map(Delivery::queue).distinct()).hasSize(64);
                broker.ack(got);
            }
            // Now only two queues have rows: after at most one short claim, each claim takes 32 from each.
            for (String q : queues) {
                broker.purge(q);
            }
            List<OutboundMessage> two = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                two.add(msg(queues.get(10), "a-" + i));
                two.add(msg(queues.get(60), "b-" + i));
            }
            broker.publish(two);
            List<Delivery> first = broker.fetch(queues, 64, LEASE, Duration.ZERO);
            assertThat(first).hasSizeBetween(2, 64);
            List<Delivery> next = broker.fetch(queues, 64, LEASE, Duration.ZERO);
            assertThat(next).hasSize(64);
            assertThat(next.stream().filter(d -> d.queue().equals(queues.get(10)))).hasSize(32);
        }
    }

    @Test
    void concurrent_single_publishes_each_land_once_and_one_that_cannot_be_inserted_fails_alone() throws Exception {
        int threads = 16;
        int per = 150;
        // Every 25th call of thread 0 carries an id too long for its column: its group's statement fails, and
        // only that call may fail with it.
        String tooLong = "x".repeat(300);
        Set<String> failedGood = ConcurrentHashMap.newKeySet();
        AtomicInteger badFailed = new AtomicInteger();
        AtomicInteger badAccepted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < per; i++) {
                        String id = "m-" + thread + "-" + i;
                        try {
                            broker.publish(msg(queue, id));
                        } catch (RuntimeException e) {
                            failedGood.add(id + ": " + e.getMessage());
                        }
                        if (thread == 0 && i % 25 == 0) {
                            try {
                                broker.publish(msg(queue, tooLong + i));
                                badAccepted.incrementAndGet();
                            } catch (BrokerException e) {
                                badFailed.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failedGood).isEmpty();
        assertThat(badAccepted).hasValue(0);
        assertThat(badFailed).hasValue(per / 25);
        assertThat(broker.stats(queue).ready()).isEqualTo((long) threads * per);
        Set<String> fetched = new HashSet<>();
        List<Delivery> got;
        while (!(got = broker.fetch(List.of(queue), 500, LEASE, Duration.ZERO)).isEmpty()) {
            for (Delivery d : got) {
                assertThat(fetched.add(d.messageId())).as("fetched once: %s", d.messageId()).isTrue();
            }
            broker.ack(got);
        }
        assertThat(fetched).hasSize(threads * per);
    }

    @Test
    void fetches_higher_priority_first_then_in_due_order() {
        broker.publish(List.of(msg(queue, "a"), new OutboundMessage("b", queue, 5, null, "{}"), msg(queue, "c")));
        assertThat(ids(broker.fetch(List.of(queue), 10, LEASE, Duration.ZERO))).containsExactly("b", "a", "c");
    }

    @Test
    void delayed_message_is_fetched_only_when_due() {
        broker.publish(new OutboundMessage("later", queue, 0, clock.instant().plusSeconds(60), "{}"));
        assertThat(broker.fetch(List.of(queue), 10, LEASE, Duration.ZERO)).isEmpty();
        assertThat(broker.stats(queue).delayed()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(61));
        assertThat(ids(broker.fetch(List.of(queue), 10, LEASE, Duration.ZERO))).containsExactly("later");
    }

    /**
     * A fetch waiting on an idle queue sleeps until the next row comes due, not until its next poll: with
     * polls backing off to 500 ms, a task due 1.2 s after the fetch began was taken 400-450 ms late.
     */
    @Test
    void a_waiting_fetch_takes_a_delayed_message_when_it_comes_due_not_a_poll_later() {
        try (JdbcBroker real = JdbcBroker.builder().url(url()).options(options()).build()) {
            real.fetch(List.of(queue), 1, LEASE, Duration.ZERO); // settles what earlier tests left due
            Instant due = Instant.now().plusMillis(1200);
            real.publish(new OutboundMessage("soon", queue, 0, due, "{}"));
            List<Delivery> got = real.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(10));
            long lateMs = Duration.between(due, Instant.now()).toMillis();
            assertThat(ids(got)).containsExactly("soon");
            assertThat(lateMs).as("ms after its due time the delayed message was taken").isLessThan(250);
            real.ack(got);
        }
    }

    @Test
    void redelivers_message_when_lease_expires_and_the_stale_receipt_cannot_ack_it() {
        broker.publish(msg(queue, "m"));
        Delivery first = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO)).isEmpty();
        clock.advance(LEASE.plusSeconds(1));
        Delivery second = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        assertThat(second.messageId()).isEqualTo("m");
        assertThat(second.deliveryCount()).isEqualTo(2);
        assertThat(second.receipt()).isNotEqualTo(first.receipt());

        broker.ack(List.of(first));
        assertThat(broker.extendLeases(List.of(first, second), LEASE)).containsExactly(first.receipt());
        assertThat(broker.stats(queue).inFlight()).isEqualTo(1);
        broker.ack(List.of(second));
        assertThat(broker.stats(queue)).extracting("ready", "delayed", "inFlight").containsExactly(0L, 0L, 0L);
    }

    @Test
    void extended_lease_keeps_a_slow_message_from_being_redelivered() {
        broker.publish(msg(queue, "slow"));
        Delivery d = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        clock.advance(LEASE.minusSeconds(1));
        assertThat(broker.extendLeases(List.of(d), LEASE)).isEmpty();
        clock.advance(LEASE.minusSeconds(1));
        assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO)).isEmpty();
    }

    @Test
    void retry_replaces_the_payload_and_delays_the_next_attempt() {
        broker.publish(msg(queue, "r"));
        Delivery d = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        broker.retry(d, "{\"attempt\":1}", Duration.ofSeconds(10));
        assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO)).isEmpty();
        clock.advance(Duration.ofSeconds(10));
        Delivery again = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        assertThat(again.payload()).isEqualTo("{\"attempt\":1}");
        assertThat(again.messageId()).isEqualTo("r");
    }

    @Test
    void released_message_is_available_again_at_once() {
        broker.publish(List.of(msg(queue, "x"), msg(queue, "y")));
        List<Delivery> ds = broker.fetch(List.of(queue), 2, LEASE, Duration.ZERO);
        broker.release(ds);
        assertThat(ids(broker.fetch(List.of(queue), 2, LEASE, Duration.ZERO))).containsExactly("x", "y");
    }

    @Test
    void a_reason_quoting_a_nul_character_is_dead_lettered_not_left_leased() {
        broker.publish(msg(queue, "nul"));
        Delivery d = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        broker.deadLetter(d, "argument 0 must be int, got \"a\u0000b\"");
        assertThat(broker.deadLetters(queue, 10)).singleElement()
                .satisfies(dl -> assertThat(dl.reason()).isEqualTo("argument 0 must be int, got \"a\\u0000b\""));
        assertThat(broker.stats(queue).inFlight()).isZero();
    }

    @Test
    void dead_letters_keep_the_reason_and_replay_puts_them_back() {
        broker.publish(msg(queue, "bad"));
        Delivery d = broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO).get(0);
        broker.deadLetter(d, "boom:\n  line two");
        List<DeadLetter> dead = broker.deadLetters(queue, 10);
        assertThat(dead).singleElement().satisfies(dl -> {
            assertThat(dl.messageId()).isEqualTo("bad");
            assertThat(dl.reason()).isEqualTo("boom: line two");
            assertThat(dl.deliveryCount()).isEqualTo(1);
        });
        assertThat(broker.stats(queue).dead()).isEqualTo(1);
        assertThat(broker.replayDeadLetters(queue, List.of(dead.get(0).id()))).isEqualTo(1);
        assertThat(ids(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO))).containsExactly("bad");
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    void fetch_from_several_queues_serves_each_of_them() {
        String other = queue + "-b";
        List<OutboundMessage> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(msg(queue, "a" + i));
        }
        broker.publish(many);
        broker.publish(msg(other, "b0"));
        List<Delivery> got = broker.fetch(List.of(queue, other), 4, LEASE, Duration.ZERO);
        assertThat(got).hasSize(4);
        assertThat(ids(got)).contains("b0");
        assertThat(broker.queues()).contains(queue, other);
    }

    @Test
    void purge_removes_waiting_messages_but_not_leased_ones() {
        broker.publish(List.of(msg(queue, "1"), msg(queue, "2"), msg(queue, "3")));
        broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO);
        assertThat(broker.purge(queue)).isEqualTo(2);
        assertThat(broker.stats(queue).inFlight()).isEqualTo(1);
    }

    @Test
    void concurrent_consumers_never_receive_the_same_message_twice() throws Exception {
        int total = 1000;
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            batch.add(msg(queue, "m" + i));
        }
        broker.publish(batch);
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (JdbcBroker second = open(clock)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                JdbcBroker b = t % 2 == 0 ? broker : second;
                fs.add(pool.submit(() -> {
                    while (true) {
                        List<Delivery> ds = b.fetch(List.of(queue), 25, LEASE, Duration.ZERO);
                        if (ds.isEmpty()) {
                            return null;
                        }
                        for (Delivery d : ds) {
                            if (seen.put(d.messageId(), 1) != null) {
                                duplicates.incrementAndGet();
                            }
                        }
                        b.ack(ds);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(duplicates).hasValue(0);
        assertThat(seen).hasSize(total);
    }

    @Test
    void blocked_fetch_returns_when_a_message_is_published_by_this_broker() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<Delivery>> f = pool.submit(() -> broker.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(20)));
            long start = System.nanoTime();
            broker.publish(msg(queue, "wake"));
            assertThat(ids(f.get(10, TimeUnit.SECONDS))).containsExactly("wake");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fetch_returns_empty_with_the_flag_set_when_interrupted() {
        Thread.currentThread().interrupt();
        assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ofSeconds(10))).isEmpty();
        assertThat(Thread.interrupted()).isTrue();
    }

    // ------------------------------------------------------------ transactional publish

    @Test
    void transactional_publish_exists_only_after_commit() throws Exception {
        try (JdbcTransaction tx = new JdbcTransaction(DriverManager.getConnection(url()))) {
            assertThat(broker.publishInTransaction(tx, List.of(msg(queue, "tx1")))).isTrue();
            assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO)).isEmpty();
            tx.commit();
        }
        assertThat(ids(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO))).containsExactly("tx1");
    }

    @Test
    void transactional_publish_vanishes_on_rollback() throws Exception {
        try (JdbcTransaction tx = new JdbcTransaction(DriverManager.getConnection(url()))) {
            assertThat(broker.publishInTransaction(tx, List.of(msg(queue, "gone")))).isTrue();
            tx.rollback();
        }
        assertThat(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO)).isEmpty();
        assertThat(broker.stats(queue).ready()).isZero();
    }

    @Test
    void transactional_publish_survives_a_crash_right_after_commit() throws Exception {
        try (JdbcTransaction tx = new JdbcTransaction(DriverManager.getConnection(url()))) {
            assertThat(broker.publishInTransaction(tx, List.of(msg(queue, "durable")))).isTrue();
            tx.connection().orElseThrow().commit();
            broker.close(); // the process "dies" before any after-commit callback ran
        }
        broker = open(clock);
        assertThat(ids(broker.fetch(List.of(queue), 1, LEASE, Duration.ZERO))).containsExactly("durable");
    }

    @Test
    void transactional_publish_declines_a_connection_to_another_database() throws SQLException {
        try (Connection other = DriverManager.getConnection(TestDatabases.freshH2MemoryUrl());
                JdbcTransaction tx = new JdbcTransaction(other)) {
            assertThat(broker.publishInTransaction(tx, List.of(msg(queue, "elsewhere")))).isFalse();
        }
    }

    // ------------------------------------------------------------ stores

    @Test
    void idempotency_key_is_claimed_once_and_done_is_remembered() {
        IdempotencyStore s = broker.idempotency();
        String key = "k-" + queue;
        assertThat(s.claim(key, "w1", Duration.ofSeconds(30))).isEqualTo(IdempotencyStore.Claim.CLAIMED);
        assertThat(s.claim(key, "w2", Duration.ofSeconds(30))).isEqualTo(IdempotencyStore.Claim.IN_PROGRESS);
        clock.advance(Duration.ofSeconds(31));
        assertThat(s.claim(key, "w2", Duration.ofSeconds(30))).isEqualTo(IdempotencyStore.Claim.CLAIMED);
        assertThat(s.renew(key, "w1", Duration.ofSeconds(30))).isFalse();
        s.complete(key, "w2", Duration.ofHours(1));
        assertThat(s.claim(key, "w1", Duration.ofSeconds(30))).isEqualTo(IdempotencyStore.Claim.DONE);
        s.release(key, "w1");
        assertThat(s.claim(key, "w3", Duration.ofSeconds(30))).isEqualTo(IdempotencyStore.Claim.DONE);
    }

    @Test
    void leader_lock_fences_an_expired_holder() {
        LeaderLock lock = broker.leaderLock();
        String name = "beat-" + queue;
        LeaderLock.LockLease a = lock.tryAcquire(name, "a", Duration.ofSeconds(10)).orElseThrow();
        assertThat(lock.tryAcquire(name, "b", Duration.ofSeconds(10))).isEmpty();
        assertThat(broker.state().putFenced("slot-" + queue, "1", a)).isTrue();
        clock.advance(Duration.ofSeconds(11));
        LeaderLock.LockLease b = lock.tryAcquire(name, "b", Duration.ofSeconds(10)).orElseThrow();
        assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
        assertThat(lock.renew(a, Duration.ofSeconds(10))).isFalse();
        assertThat(broker.state().putFenced("slot-" + queue, "2", a)).isFalse();
        assertThat(broker.state().putFenced("slot-" + queue, "3", b)).isTrue();
        assertThat(broker.state().get("slot-" + queue)).contains("3");
        lock.release(b);
        assertThat(lock.tryAcquire(name, "c", Duration.ofSeconds(10))).get()
                .extracting(LeaderLock.LockLease::fencingToken).isEqualTo(b.fencingToken() + 1);
    }

    @Test
    void results_expire_after_their_time_to_live() {
        ResultStore r = broker.results();
        String id = "t-" + queue;
        r.put(new ResultStore.StoredResult(id, "orders.charge", TaskState.SUCCESS, "42", null, clock.instant()),
                Duration.ofMinutes(5));
        assertThat(r.get(id)).get().extracting(ResultStore.StoredResult::value).isEqualTo("42");
        r.put(new ResultStore.StoredResult(id, "orders.charge", TaskState.FAILURE, null, "E: x", clock.instant()),
                Duration.ofMinutes(5));
        assertThat(r.get(id)).get().extracting(ResultStore.StoredResult::state).isEqualTo(TaskState.FAILURE);
        clock.advance(Duration.ofMinutes(6));
        assertThat(r.get(id)).isEmpty();
    }

    @Test
    void describe_never_shows_a_password() {
        assertThat(broker.describe()).doesNotContain("secret");
        assertThat(Set.of(broker.describe())).allMatch(s -> s.startsWith("jdbc "));
    }

    static void awaitWaiting(Thread t) {
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    }

    @Test
    void purge_deletes_more_rows_than_one_chunk_and_counts_every_one() {
        int n = SqlStatements.PURGE_CHUNK * 2 + 5;
        for (int from = 0; from < n; from += 1000) {
            List<OutboundMessage> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 1000); i++) {
                batch.add(msg(queue, "p" + i));
            }
            broker.publish(batch);
        }
        List<Delivery> leased = broker.fetch(List.of(queue), 3, LEASE, Duration.ZERO);

        assertThat(broker.purge(queue)).isEqualTo(n - 3);
        assertThat(broker.stats(queue).ready()).isZero();
        assertThat(broker.stats(queue).inFlight()).as("leased messages are kept").isEqualTo(3);
        broker.ack(leased);
    }
}
