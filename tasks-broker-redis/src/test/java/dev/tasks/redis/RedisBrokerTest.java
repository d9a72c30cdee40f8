package dev.tasks.redis;

import dev.tasks.BrokerException;
import dev.tasks.tck.SettableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskState;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore.Claim;
import dev.tasks.spi.LeaderLock.LockLease;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore.StoredResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/** Behaviour of the Redis broker on a real server, beyond (and before) the shared contract tests. */
class RedisBrokerTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** A lease that runs out within a test: leases are timed by the server's clock, not the broker's. */
    private static final Duration SHORT = Duration.ofSeconds(1);
    private final SettableClock clock = new SettableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private String prefix;
    private RedisBroker broker;

    @BeforeEach
    void open() {
        prefix = TestRedis.freshPrefix();
        broker = TestRedis.broker(prefix, clock);
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
        TestRedis.deleteKeys(prefix);
    }

    private static OutboundMessage msg(String id, String queue, int priority) {
        return new OutboundMessage(id, queue, priority, null, "{\"id\":\"" + id + "\"}");
    }

    /** {@code n} messages of the default priority for {@code queue}, with ids {@code <prefix>-0} onwards. */
    private static List<OutboundMessage> numbered(String prefix, String queue, int n) {
        List<OutboundMessage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(msg(prefix + "-" + i, queue, 0));
        }
        return out;
    }

    private List<Delivery> fetch(String queue, int max) {
        return fetch(queue, max, LEASE);
    }

    private List<Delivery> fetch(String queue, int max, Duration lease) {
        return broker.fetch(List.of(queue), max, lease, Duration.ZERO);
    }

    /** Fetches until something comes (a lease running out), with the long lease. */
    private List<Delivery> awaitFetch(String queue, int max) {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> fetch(queue, max), got -> !got.isEmpty());
    }

    @Test
    void delivers_published_messages_once_and_forgets_them_when_acked() {
        broker.publish(List.of(msg("a", "orders", 0), msg("b", "orders", 0)));
        List<Delivery> got = fetch("orders", 10);
        assertThat(got).extracting(Delivery::messageId).containsExactly("a", "b");
        assertThat(got).extracting(Delivery::deliveryCount).containsOnly(1);
        assertThat(got.get(0).payload()).isEqualTo("{\"id\":\"a\"}");
        assertThat(got.get(0).publishedAt()).isEqualTo(clock.instant());
        assertThat(fetch("orders", 10)).isEmpty();
        assertThat(broker.stats("orders")).isEqualTo(new QueueStats("orders", 0, 0, 2, 0));
        broker.ack(got);
        assertThat(broker.stats("orders")).isEqualTo(new QueueStats("orders", 0, 0, 0, 0));
        try (RedisClient c = TestRedis.client()) {
            assertThat(c.xlen(broker.keys("orders").stream(0))).isZero();
        }
        assertThat(fetch("orders", 10)).isEmpty();
        assertThat(broker.queues()).containsExactly("orders");
    }

    @Test
    void fetches_higher_priorities_first() {
        broker.publish(List.of(msg("low", "q", 0), msg("mid", "q", 4), msg("high", "q", 9), msg("mid2", "q", 4)));
        assertThat(fetch("q", 10)).extracting(Delivery::messageId).containsExactly("high", "mid", "mid2", "low");
    }

    @Test
    void redelivers_once_per_lease_expiry_with_a_higher_delivery_count() {
        broker.publish(msg("a", "q", 0));
        Delivery first = fetch("q", 1, SHORT).get(0);
        assertThat(fetch("q", 1)).isEmpty();
        Delivery second = awaitFetch("q", 1).get(0);
        assertThat(second.messageId()).isEqualTo("a");
        assertThat(second.deliveryCount()).isEqualTo(2);
        assertThat(second.receipt()).isNotEqualTo(first.receipt());
        assertThat(fetch("q", 1)).isEmpty();

        // the stale receipt neither acks nor extends the redelivered message
        broker.ack(List.of(first));
        assertThat(broker.extendLeases(List.of(first, second), LEASE)).containsExactly(first.receipt());
        assertThat(broker.stats("q").inFlight()).isEqualTo(1);
        broker.ack(List.of(second));
        assertThat(broker.stats("q").inFlight()).isZero();
        assertThat(broker.extendLeases(List.of(second), LEASE)).containsExactly(second.receipt());
    }

    @Test
    void a_message_delivered_again_and_again_keeps_its_level_and_count_and_leaves_no_entries_behind() {
        broker.publish(msg("a", "q", 7));
        List<Delivery> deliveries = new ArrayList<>();
        deliveries.add(fetch("q", 1, SHORT).get(0));
        deliveries.add(awaitFetch("q", 1).get(0)); // lease ran out: second delivery, from the redelivery stream
        broker.release(List.of(deliveries.get(1)));
        deliveries.add(fetch("q", 1, SHORT).get(0)); // released: third
        deliveries.add(awaitFetch("q", 1).get(0)); // ran out again: fourth
        assertThat(deliveries).extracting(Delivery::messageId).containsOnly("a");
        assertThat(deliveries).extracting(Delivery::deliveryCount).containsExactly(1, 2, 3, 4);
        assertThat(deliveries).extracting(Delivery::receipt).doesNotHaveDuplicates();
        Delivery current = deliveries.get(3);

        broker.ack(deliveries.subList(0, 3));
        broker.release(deliveries.subList(0, 3));
        assertThat(broker.extendLeases(deliveries, LEASE)).hasSize(3).doesNotContain(current.receipt());
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 1, 0));

        broker.publish(msg("b", "q", 0));
        broker.retry(current, "attempt-2", Duration.ZERO);
        List<Delivery> next = fetch("q", 10);
        assertThat(next).extracting(Delivery::messageId).as("the retry keeps level 7").containsExactly("a", "b");
        assertThat(next.get(0).payload()).isEqualTo("attempt-2");
        broker.ack(next);
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 0));
        try (RedisClient c = TestRedis.client()) {
            QueueKeys k = broker.keys("q");
            for (int level = 0; level < QueueKeys.LEVELS; level++) {
                assertThat(c.xlen(k.stream(level))).as("entries left in level %d", level).isZero();
                assertThat(c.xlen(k.redelivered(level))).as("redeliveries left in level %d", level).isZero();
            }
        }
    }

    @Test
    void a_queue_read_in_one_command_keeps_priorities_and_gives_back_what_it_read_beyond_its_share() {
        broker.scriptInterval(Duration.ofHours(1));
        broker.publish(numbered("low", "q", 10));
        // The script fills the share from one stream, so the next fetches read all streams in one command.
        assertThat(fetch("q", 2)).extracting(Delivery::messageId).containsExactly("low-0", "low-1");
        assertThat(fetch("q", 2)).extracting(Delivery::messageId).containsExactly("low-2", "low-3");
        broker.publish(msg("high", "q", 9));
        // COUNT 2 per stream reads 'high' and two of level 0: the second of those goes back, count kept.
        List<Delivery> mixed = fetch("q", 2);
        assertThat(mixed).extracting(Delivery::messageId).containsExactly("high", "low-4");
        List<Delivery> rest = fetch("q", 10);
        assertThat(rest).extracting(Delivery::messageId).containsExactly("low-5", "low-6", "low-7", "low-8", "low-9");
        assertThat(rest).extracting(Delivery::deliveryCount).containsOnly(1);
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 11, 0));
        broker.ack(rest);
        broker.ack(mixed);
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 4, 0));
    }

    @Test
    void a_busy_queue_read_without_the_script_still_gets_its_delayed_messages_when_they_come_due() {
        broker.scriptInterval(Duration.ofHours(1));
        broker.publish(numbered("low", "q", 1000));
        assertThat(fetch("q", 1)).extracting(Delivery::messageId).containsExactly("low-0");
        broker.publish(new OutboundMessage("late", "q", 9, clock.instant().plusSeconds(10), "{}"));
        clock.advance(Duration.ofSeconds(20));
        // Read in one command from now on (no script for an hour), yet asked every 50 ms whether delayed
        // messages came due: 'late' (priority 9) comes long before the 999 others run out.
        List<String> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> {
            got.addAll(fetch("q", 1).stream().map(Delivery::messageId).toList());
            return got.contains("late");
        });
        assertThat(got).hasSizeLessThan(999);
    }

    @Test
    void a_queue_read_in_one_command_recovers_when_one_of_its_streams_is_deleted_from_outside() {
        broker.scriptInterval(Duration.ofHours(1));
        broker.publish(List.of(msg("a", "q", 0), msg("b", "q", 0), msg("c", "q", 0), msg("d", "q", 0)));
        assertThat(fetch("q", 2)).extracting(Delivery::messageId).containsExactly("a", "b");
        try (RedisClient c = TestRedis.client()) {
            c.del(broker.keys("q").stream(3));
        }
        assertThat(fetch("q", 2)).extracting(Delivery::messageId).containsExactly("c", "d");
        broker.publish(msg("e", "q", 3));
        assertThat(fetch("q", 2)).extracting(Delivery::messageId).containsExactly("e");
    }

    @Test
    void deliveries_held_by_a_consumer_of_an_earlier_version_are_delivered_again_at_once() {
        broker.publish(msg("a", "q", 0));
        try (RedisClient c = TestRedis.client()) {
            String stream = broker.keys("q").stream(0);
            c.xgroupCreate(stream, RedisBroker.GROUP, new StreamEntryID(), true);
            assertThat(c.xreadGroup(RedisBroker.GROUP, "tasks", XReadGroupParams.xReadGroupParams().count(1),
                    Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY))).hasSize(1);
        }
        List<Delivery> got = fetch("q", 1);
        assertThat(got).extracting(Delivery::messageId).containsExactly("a");
        assertThat(got.get(0).deliveryCount()).isEqualTo(2);
    }

    @Test
    void a_redelivered_message_goes_before_fresh_ones_of_its_level_but_not_before_higher_levels() {
        broker.publish(List.of(msg("low-1", "q", 2), msg("low-2", "q", 2)));
        Delivery low1 = fetch("q", 1).get(0);
        broker.release(List.of(low1));
        broker.publish(msg("high", "q", 8));
        assertThat(fetch("q", 10)).extracting(Delivery::messageId).containsExactly("high", "low-1", "low-2");
    }

    @Test
    void a_redelivered_message_is_dead_lettered_with_its_count_and_replayed_at_its_level() {
        broker.publish(msg("a", "q", 6));
        fetch("q", 1, SHORT);
        Delivery second = awaitFetch("q", 1).get(0);
        broker.deadLetter(second, "poison");
        DeadLetter dead = broker.deadLetters("q", 10).get(0);
        assertThat(dead.deliveryCount()).isEqualTo(2);
        assertThat(dead.reason()).isEqualTo("poison");
        broker.publish(msg("b", "q", 0));
        assertThat(broker.replayDeadLetters("q", List.of())).isEqualTo(1);
        assertThat(fetch("q", 10)).extracting(Delivery::messageId).containsExactly("a", "b");
    }

    @Test
    void keeps_each_delivery_lease_on_its_own() {
        broker.publish(List.of(msg("short", "q", 0), msg("long", "q", 0)));
        Delivery s = fetch("q", 1, SHORT).get(0);
        Delivery l = fetch("q", 1, Duration.ofSeconds(60)).get(0);
        assertThat(broker.extendLeases(List.of(l), Duration.ofSeconds(60))).isEmpty();
        List<Delivery> again = awaitFetch("q", 10);
        assertThat(again).extracting(Delivery::messageId).containsExactly(s.messageId());
        assertThat(fetch("q", 10)).as("the long lease holds").isEmpty();
    }

    @Test
    void delays_messages_until_due_and_counts_them_as_delayed() {
        Instant due = clock.instant().plusSeconds(60);
        broker.publish(new OutboundMessage("later", "q", 3, due, "p"));
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 1, 0, 0));
        assertThat(fetch("q", 1)).isEmpty();
        clock.advance(Duration.ofSeconds(60));
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 1, 0, 0, 0));
        Delivery d = fetch("q", 1).get(0);
        assertThat(d.messageId()).isEqualTo("later");
        assertThat(d.publishedAt()).isEqualTo(due);
    }

    @Test
    void retry_replaces_the_message_with_the_next_attempt_after_the_delay() {
        broker.publish(msg("a", "q", 2));
        Delivery d = fetch("q", 1).get(0);
        broker.retry(d, "attempt-2", Duration.ofSeconds(10));
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 1, 0, 0));
        clock.advance(Duration.ofSeconds(10));
        Delivery next = fetch("q", 1).get(0);
        assertThat(next.payload()).isEqualTo("attempt-2");
        assertThat(next.messageId()).isEqualTo("a");
        assertThat(next.deliveryCount()).isEqualTo(1);
        broker.retry(d, "stale", Duration.ZERO);
        assertThat(fetch("q", 1)).isEmpty();
    }

    @Test
    void released_messages_come_back_at_once_with_their_count_kept() {
        broker.publish(msg("a", "q", 0));
        Delivery d = fetch("q", 1).get(0);
        broker.release(List.of(d));
        Delivery again = fetch("q", 1).get(0);
        assertThat(again.messageId()).isEqualTo("a");
        assertThat(again.deliveryCount()).isEqualTo(2);
        broker.ack(List.of(d));
        assertThat(broker.stats("q").inFlight()).isEqualTo(1);
    }

    @Test
    void dead_letters_keep_reason_count_and_payload_and_can_be_replayed_or_purged() {
        broker.publish(List.of(msg("a", "q", 7), msg("b", "q", 0)));
        List<Delivery> ds = fetch("q", 2);
        broker.deadLetter(ds.get(0), "boom\nsecond line");
        broker.deadLetter(ds.get(1), "bad");
        List<DeadLetter> dead = broker.deadLetters("q", 10);
        assertThat(dead).extracting(DeadLetter::messageId).containsExactly("a", "b");
        assertThat(dead.get(0).reason()).isEqualTo("boom second line");
        assertThat(dead.get(0).deliveryCount()).isEqualTo(1);
        assertThat(dead.get(0).payload()).isEqualTo("{\"id\":\"a\"}");
        assertThat(dead.get(0).deadAt()).isEqualTo(clock.instant());
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 2));

        assertThat(broker.replayDeadLetters("q", List.of(dead.get(0).id(), "no-such-id"))).isEqualTo(1);
        Delivery replayed = fetch("q", 5).get(0);
        assertThat(replayed.messageId()).isEqualTo("a");
        assertThat(replayed.deliveryCount()).isEqualTo(1);
        assertThat(broker.purgeDeadLetters("q")).isEqualTo(1);
        assertThat(broker.deadLetters("q", 10)).isEmpty();
    }

    @Test
    void purge_deletes_ready_and_delayed_but_keeps_in_flight_messages() {
        broker.publish(List.of(msg("a", "q", 0), msg("b", "q", 5), msg("c", "q", 0)));
        broker.publish(new OutboundMessage("d", "q", 0, clock.instant().plusSeconds(60), "p"));
        Delivery inFlight = fetch("q", 1).get(0);
        assertThat(broker.purge("q")).isEqualTo(3);
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 1, 0));
        broker.ack(List.of(inFlight));
        broker.publish(msg("e", "q", 0));
        assertThat(fetch("q", 5)).extracting(Delivery::messageId).containsExactly("e");
    }

    @Test
    void serves_several_queues_fairly() {
        broker.publish(numbered("busy", "busy", 20));
        broker.publish(msg("quiet-0", "quiet", 0));
        List<Delivery> got = broker.fetch(List.of("busy", "quiet"), 4, LEASE, Duration.ZERO);
        assertThat(got).hasSize(4);
        assertThat(got).extracting(Delivery::queue).contains("busy", "quiet");
    }

    @Test
    void many_queues_are_read_in_shares_of_at_least_eight_and_every_queue_is_served_in_turn() {
        List<String> queues = new ArrayList<>();
        List<OutboundMessage> all = new ArrayList<>();
        for (int q = 0; q < 20; q++) {
            queues.add("q" + q);
            all.addAll(numbered("q" + q, "q" + q, 24));
        }
        broker.publish(all);
        Map<String, Integer> served = new java.util.TreeMap<>();
        for (int round = 0; round < 3; round++) {
            List<Delivery> got = broker.fetch(queues, 64, LEASE, Duration.ZERO);
            Map<String, Integer> perQueue = new java.util.TreeMap<>();
            got.forEach(d -> perQueue.merge(d.queue(), 1, Integer::sum));
            // 64 from 20 queues: 8 queues, 8 each (not 3 or 4 from every queue: a read per queue and task)
            assertThat(perQueue).hasSize(8).allSatisfy((q, n) -> assertThat(n).isEqualTo(8));
            perQueue.forEach((q, n) -> served.merge(q, n, Integer::sum));
            broker.ack(got);
        }
        // three fetches of 8 queues from a start that moves on by 8: every queue served, none twice as often
        assertThat(served).hasSize(20).allSatisfy((q, n) -> assertThat(n).isBetween(8, 16));
    }

    @Test
    void a_fetch_woken_by_news_reads_the_queue_that_got_it_first() throws Exception {
        List<String> queues = new ArrayList<>();
        for (int q = 0; q < 100; q++) {
            queues.add("idle-" + q);
        }
        try (ClientCommands commands = ownCommands()) {
            java.util.concurrent.CompletableFuture<List<Delivery>> fetch = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> broker.fetch(queues, 1, LEASE, Duration.ofSeconds(10)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> ClientCommands.blocked(TestRedis.clientName(prefix)));
            long scriptsBefore = commands.count("EVALSHA");
            broker.publish(msg("news", "idle-57", 0));
            assertThat(fetch.get(10, java.util.concurrent.TimeUnit.SECONDS)).extracting(Delivery::messageId)
                    .containsExactly("news");
            // one fetch script (the queue with news), not a pass over the idle queues until it comes up
            assertThat(commands.count("EVALSHA") - scriptsBefore).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void queues_found_empty_cost_no_script_while_others_are_busy_yet_what_comes_to_them_is_fetched() {
        broker.scriptInterval(Duration.ofHours(1));
        List<String> queues = new ArrayList<>();
        for (int q = 0; q < 100; q++) {
            queues.add("idle-" + q);
        }
        queues.set(10, "busy-a");
        queues.set(60, "busy-b");
        List<OutboundMessage> busy = new ArrayList<>(numbered("a", "busy-a", 3000));
        busy.addAll(numbered("b", "busy-b", 3000));
        broker.publish(busy);
        // every queue gets the fetch script once (8 queues per read, from a start that moves on)
        for (int i = 0; i < 6; i++) {
            assertThat(broker.fetch(queues, 64, LEASE, Duration.ZERO)).hasSize(64);
        }
        try (ClientCommands commands = ownCommands()) {
            for (int i = 0; i < 10; i++) {
                assertThat(broker.fetch(queues, 64, LEASE, Duration.ZERO)).hasSize(64);
            }
            // the 98 empty queues are asked with plain commands, not with the fetch script
            assertThat(commands.count("EVALSHA")).isLessThanOrEqualTo(2);
        }

        broker.publish(msg("news", "idle-50", 0));
        broker.publish(new OutboundMessage("due", "idle-70", 0, clock.instant().plusSeconds(10), "{}"));
        clock.advance(Duration.ofSeconds(20));
        List<String> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> {
            got.addAll(broker.fetch(queues, 64, LEASE, Duration.ZERO).stream().map(Delivery::messageId).toList());
            return got.contains("news") && got.contains("due");
        });
        // found by a probe (every 50 ms) while the busy queues still filled every fetch
        assertThat(got).hasSizeLessThan(5000);
    }

    @Test
    void a_queue_found_empty_delivers_what_is_published_or_comes_due_at_the_next_fetch() {
        broker.scriptInterval(Duration.ofHours(1));
        assertThat(fetch("q", 10)).isEmpty();
        ClientCommands commands = ownCommands();
        broker.publish(msg("a", "q", 0));
        assertThat(fetch("q", 10)).extracting(Delivery::messageId).containsExactly("a");
        for (int i = 0; i < 5; i++) {
            assertThat(fetch("q", 10)).isEmpty();
        }
        broker.publish(new OutboundMessage("b", "q", 0, clock.instant().plusSeconds(10), "{}"));
        for (int i = 0; i < 5; i++) {
            assertThat(fetch("q", 10)).isEmpty();
        }
        clock.advance(Duration.ofSeconds(20));
        assertThat(fetch("q", 10)).extracting(Delivery::messageId).containsExactly("b");
        // Each publish was noticed by a probe and then read by the script. Of the ten empty fetches, the
        // first ran the script (which found nothing) and at most one more did (to look for leases that ran
        // out, at most every 50 ms), not all ten.
        try (commands) {
            assertThat(commands.count("EVALSHA")).isLessThanOrEqualTo(4);
        }
    }

    /**
     * Counts what this test's broker sends, apart from other clients of the shared server (whose scripts
     * and blocked reads {@code INFO} would count too).
     */
    private ClientCommands ownCommands() {
        return new ClientCommands(TestRedis.clientName(prefix));
    }

    @Test
    void a_waiting_fetch_wakes_up_when_a_message_is_published() throws Exception {
        java.util.concurrent.CompletableFuture<List<Delivery>> fetch = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> broker.fetch(List.of("q"), 1, LEASE, Duration.ofSeconds(5)));
        // publish only once the fetch is really waiting inside Redis (a blocked XREAD of this broker)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> ClientCommands.blocked(TestRedis.clientName(prefix)));
        long published = System.nanoTime();
        broker.publish(msg("late", "q", 0));
        List<Delivery> got = fetch.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(got).extracting(Delivery::messageId).containsExactly("late");
        assertThat(Duration.ofNanos(System.nanoTime() - published)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void an_interrupted_fetch_returns_empty_with_the_flag_set() {
        Thread.currentThread().interrupt();
        try {
            assertThat(broker.fetch(List.of("q"), 1, LEASE, Duration.ofSeconds(5))).isEmpty();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void delivers_foreign_malformed_stream_entries_with_whatever_payload_they_have() {
        try (RedisClient c = TestRedis.client()) {
            c.xadd(broker.keys("q").stream(0), StreamEntryID.NEW_ENTRY, Map.of("foo", "bar"));
            c.xadd(broker.keys("q").stream(0), StreamEntryID.NEW_ENTRY, Map.of("p", "not json", "t", "yesterday"));
        }
        broker.publish(msg("good", "q", 0));
        List<Delivery> got = fetch("q", 10);
        assertThat(got).hasSize(3);
        assertThat(got.get(0).messageId()).isNull();
        assertThat(got.get(0).payload()).isEmpty();
        assertThat(got.get(1).payload()).isEqualTo("not json");
        assertThat(got.get(1).publishedAt()).isNull();
        assertThat(got.get(2).messageId()).isEqualTo("good");
        broker.deadLetter(got.get(0), "undecodable");
        broker.deadLetter(got.get(1), "undecodable");
        assertThat(broker.deadLetters("q", 10)).extracting(DeadLetter::payload).containsExactly("", "not json");
    }

    @Test
    void every_key_of_a_queue_shares_one_hash_tag_and_slot() {
        broker.publish(List.of(msg("a", "orders", 0), msg("b", "orders", 9),
                new OutboundMessage("c", "orders", 0, clock.instant().plusSeconds(5), "p")));
        Delivery d = fetch("orders", 1).get(0);
        broker.deadLetter(d, "x");
        broker.release(fetch("orders", 1));
        fetch("orders", 1);
        try (RedisClient c = TestRedis.client()) {
            List<String> keys = TestRedis.keys(c, prefix);
            assertThat(keys).contains(broker.keys("orders").redelivered(0));
            List<String> queueKeys = keys.stream().filter(k -> !k.equals(prefix + ":queues")).toList();
            assertThat(queueKeys).isNotEmpty().allSatisfy(k -> assertThat(k).startsWith(prefix + ":{q:orders}:"));
            assertThat(queueKeys.stream().map(JedisClusterCRC16::getSlot).distinct()).hasSize(1);
        }
    }

    @Test
    void reloads_scripts_after_script_flush() {
        broker.publish(msg("a", "q", 0));
        try (RedisClient c = TestRedis.client()) {
            c.scriptFlush();
        }
        Delivery d = fetch("q", 1).get(0);
        try (RedisClient c = TestRedis.client()) {
            c.scriptFlush();
        }
        broker.ack(List.of(d));
        try (RedisClient c = TestRedis.client()) {
            c.scriptFlush();
        }
        broker.publish(List.of(msg("b", "q", 0), msg("c", "other", 0)));
        try (RedisClient c = TestRedis.client()) {
            c.scriptFlush();
        }
        assertThat(broker.fetch(List.of("q", "other"), 10, LEASE, Duration.ZERO)).extracting(Delivery::messageId)
                .containsExactlyInAnyOrder("b", "c");
        assertThat(broker.stats("q").inFlight()).isEqualTo(1);
    }

    @Test
    void another_consumer_reclaims_messages_of_a_consumer_that_died_without_acking() {
        broker.publish(List.of(msg("a", "q", 0), msg("b", "q", 0)));
        List<Delivery> held = fetch("q", 2, SHORT);
        assertThat(held).hasSize(2);
        broker.close();
        broker = TestRedis.broker(prefix, clock);
        assertThat(fetch("q", 10)).isEmpty();
        List<Delivery> again = awaitFetch("q", 10);
        assertThat(again).extracting(Delivery::messageId).containsExactlyInAnyOrder("a", "b");
        assertThat(again).extracting(Delivery::deliveryCount).containsOnly(2);
        broker.ack(again);
        assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 0));
    }

    @Test
    void idempotency_keys_have_one_claimant_and_stay_done() {
        var store = broker.idempotency();
        assertThat(store.claim("k", "w1", Duration.ofMinutes(1))).isEqualTo(Claim.CLAIMED);
        assertThat(store.claim("k", "w2", Duration.ofMinutes(1))).isEqualTo(Claim.IN_PROGRESS);
        assertThat(store.claim("k", "w1", Duration.ofMinutes(1))).isEqualTo(Claim.CLAIMED);
        assertThat(store.renew("k", "w2", Duration.ofMinutes(1))).isFalse();
        assertThat(store.renew("k", "w1", Duration.ofMinutes(1))).isTrue();
        clock.advance(Duration.ofMinutes(2));
        assertThat(store.claim("k", "w2", Duration.ofMinutes(1))).isEqualTo(Claim.CLAIMED);
        store.complete("k", "w1", Duration.ofHours(1));
        assertThat(store.claim("k", "w1", Duration.ofMinutes(1))).isEqualTo(Claim.IN_PROGRESS);
        store.complete("k", "w2", Duration.ofHours(1));
        assertThat(store.claim("k", "w3", Duration.ofMinutes(1))).isEqualTo(Claim.DONE);
        store.release("k", "w2");
        assertThat(store.claim("k", "w3", Duration.ofMinutes(1))).isEqualTo(Claim.DONE);

        assertThat(store.claim("r", "w1", Duration.ofMinutes(1))).isEqualTo(Claim.CLAIMED);
        store.release("r", "w2");
        assertThat(store.claim("r", "w2", Duration.ofMinutes(1))).isEqualTo(Claim.IN_PROGRESS);
        store.release("r", "w1");
        assertThat(store.claim("r", "w2", Duration.ofMinutes(1))).isEqualTo(Claim.CLAIMED);
    }

    @Test
    void leader_lock_fences_writes_of_an_expired_holder() {
        var lock = broker.leaderLock();
        LockLease a = lock.tryAcquire("beat", "a", Duration.ofSeconds(10)).orElseThrow();
        assertThat(lock.tryAcquire("beat", "b", Duration.ofSeconds(10))).isEmpty();
        assertThat(lock.tryAcquire("beat", "a", Duration.ofSeconds(10))).contains(a);
        assertThat(broker.state().putFenced("slot", "1", a)).isTrue();
        clock.advance(Duration.ofSeconds(11));
        LockLease b = lock.tryAcquire("beat", "b", Duration.ofSeconds(10)).orElseThrow();
        assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
        assertThat(broker.state().putFenced("slot", "2", a)).isFalse();
        assertThat(lock.renew(a, Duration.ofSeconds(10))).isFalse();
        assertThat(broker.state().putFenced("slot", "3", b)).isTrue();
        assertThat(broker.state().get("slot")).contains("3");
        lock.release(a);
        assertThat(lock.renew(b, Duration.ofSeconds(10))).isTrue();
        lock.release(b);
        assertThat(broker.state().putFenced("slot", "4", b)).isFalse();
        LockLease c = lock.tryAcquire("beat", "a", Duration.ofSeconds(10)).orElseThrow();
        assertThat(c.fencingToken()).isGreaterThan(b.fencingToken());
    }

    @Test
    void results_are_kept_for_their_time_to_live() {
        var results = broker.results();
        StoredResult r = new StoredResult("t1", "orders.charge", TaskState.SUCCESS, "42", null, clock.instant());
        results.put(r, Duration.ofMinutes(5));
        assertThat(results.get("t1")).contains(r);
        assertThat(results.get("t2")).isEmpty();
        clock.advance(Duration.ofMinutes(6));
        assertThat(results.get("t1")).isEmpty();
    }

    @Test
    void concurrent_single_publishes_fail_only_where_their_own_command_failed() throws Exception {
        try (RedisClient c = TestRedis.client()) {
            c.set(broker.keys("bad").stream(0), "not a stream");
        }
        int threads = 16;
        int per = 200;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < per; i++) {
                        String queue = (thread + i) % 2 == 0 ? "good" : "bad";
                        try {
                            broker.publish(msg(thread + "-" + i, queue, 0));
                            if (queue.equals("bad")) {
                                wrong.incrementAndGet();
                            }
                        } catch (BrokerException e) {
                            if (queue.equals("bad") && e.getMessage().contains("[bad]")) {
                                failed.incrementAndGet();
                            } else {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(wrong.get()).as("publishes with the wrong outcome").isZero();
        assertThat(failed.get()).isEqualTo(threads * per / 2);
        List<Delivery> got = fetch("good", threads * per);
        assertThat(got).hasSize(threads * per / 2);
        assertThat(got).extracting(Delivery::messageId).doesNotHaveDuplicates();
    }

    @Test
    void describe_names_the_server_without_password() {
        assertThat(broker.describe()).startsWith("redis://").contains(prefix);
        assertThat(broker.queues()).isEmpty();
    }
}
