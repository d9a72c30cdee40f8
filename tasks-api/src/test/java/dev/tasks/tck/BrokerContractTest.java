package dev.tasks.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskState;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.DelayedMessage;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore;
import dev.tasks.spi.IdempotencyStore.Claim;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.LeaderLock.LockLease;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.spi.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link Broker} must pass: subclass it in the broker's module, return a fresh broker
 * from {@link #createBroker()}, and the suite runs against it. Uses real time with short leases, so the
 * broker must use the system clock (or one that moves with it). The whole suite takes well under 30 s.
 *
 * <p>Every test uses its own queue names, keys and lock names (random suffixes), so a broker that shares
 * a backend between tests still passes; {@link #createBroker()} should nevertheless isolate them. The
 * suite closes the broker after each test.
 *
 * <p>Where the {@link Broker} Javadoc leaves room, the suite pins down these readings:
 * <ul>
 *   <li>Every delivery has its own receipt. Once a message was delivered again, the older receipt is
 *       stale: acknowledging it does nothing and {@link Broker#extendLeases} reports it lost; so does a
 *       receipt that was acknowledged. (What a receipt whose lease ran out, but whose message was not yet
 *       delivered again, may still do is left to the broker.)</li>
 *   <li>A retried message counts as delayed (not in flight) until its delay passes.</li>
 *   <li>{@link Broker#stats} of a queue never used is all zeros; {@link Broker#deadLetters} of it is empty.</li>
 *   <li>A blocking fetch over several queues wakes within a second of a publish to any of them, and an
 *       interrupted one returns an empty list within a few seconds, with the interrupt flag set.</li>
 *   <li>A holder calling {@link LeaderLock#tryAcquire} again renews its lease and keeps its fencing
 *       token; a lease that ran out cannot be renewed once another owner took the lock.</li>
 * </ul>
 * Not checked, because brokers may differ: {@link Delivery#deliveryCount()} after a retry, release or
 * replay; the order of released messages; {@link Delivery#publishedAt()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BrokerContractTest {

    /** A lease short enough to wait out in a test. */
    protected static final Duration SHORT_LEASE = Duration.ofMillis(500);
    /** A lease that never runs out within a test. */
    protected static final Duration LONG_LEASE = Duration.ofSeconds(60);
    /** The longest a test waits for something that should happen. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Slack for clock granularity when checking that something did not happen too early. */
    protected static final Duration CLOCK_SLACK = Duration.ofMillis(50);

    /** The broker under test, created before each test and closed after it. */
    protected Broker broker;

    private String suffix;
    private final List<ExecutorService> executors = new ArrayList<>();

    /**
     * A fresh broker on the system clock, isolated from other tests and other test classes (its own Redis
     * key prefix, its own SQL schema). The suite closes it after the test.
     */
    protected abstract Broker createBroker();

    @BeforeEach
    void openBroker() {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        broker = createBroker();
    }

    @AfterEach
    void closeBroker() throws InterruptedException {
        for (ExecutorService e : executors) {
            e.shutdownNow();
            e.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
    }

    // ----------------------------------------------------------------------------------- publish, fetch, ack

    @Test
    void acked_messages_are_gone_for_good() {
        String q = queue("basic");
        broker.publish(message(q, "m1", "p1"));
        broker.publish(List.of(message(q, "m2", "p2"), message(q, "m3", "p3")));

        List<Delivery> got = fetch(q, 10, LONG_LEASE);

        assertThat(got).extracting(Delivery::messageId).containsExactly("m1", "m2", "m3");
        assertThat(got).extracting(Delivery::payload).containsExactly("p1", "p2", "p3");
        assertThat(got).allSatisfy(d -> {
            assertThat(d.queue()).isEqualTo(q);
            assertThat(d.deliveryCount()).isEqualTo(1);
            assertThat(d.receipt()).isNotBlank();
        });
        assertThat(got).extracting(Delivery::receipt).doesNotHaveDuplicates();

        broker.ack(got);

        assertThat(fetch(q, 10, LONG_LEASE)).isEmpty();
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    @Test
    void acked_message_does_not_come_back_after_its_lease_would_have_expired() {
        String q = queue("acked");
        broker.publish(message(q, "m1", "p1"));
        broker.ack(fetch(q, 1, SHORT_LEASE));

        eventually().during(SHORT_LEASE.plusMillis(300)).until(() -> fetch(q, 10, LONG_LEASE).isEmpty());
    }

    @Test
    void fetch_returns_at_most_max_messages() {
        String q = queue("max");
        broker.publish(IntStream.range(0, 5).mapToObj(i -> message(q, "m" + i, "p" + i)).toList());

        assertThat(fetch(q, 2, LONG_LEASE)).hasSize(2);
        assertThat(fetch(q, 1, LONG_LEASE)).hasSize(1);
        assertThat(fetch(q, 10, LONG_LEASE)).hasSize(2);
        assertThat(fetch(q, 10, LONG_LEASE)).isEmpty();
    }

    @Test
    void fetch_from_unknown_queue_returns_nothing_at_once() {
        long start = System.nanoTime();

        assertThat(fetch(queue("nothing"), 10, LONG_LEASE)).isEmpty();

        assertThat(elapsed(start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void ack_of_already_acked_delivery_and_empty_calls_are_ignored() {
        String q = queue("ackagain");
        broker.publish(message(q, "m1", "p1"));
        List<Delivery> got = fetch(q, 1, LONG_LEASE);
        broker.ack(got);

        broker.ack(got);
        broker.ack(List.of());
        broker.publish(List.of());

        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    @Test
    void payload_with_unicode_quotes_and_100_kb_round_trips_byte_exactly() {
        String q = queue("payload");
        String unit = "Grüße 日本語 😀🚀 é שלום \"double\" 'single' `back` \\ {\"a\":[1,2,null]} \n\t\r</x>&amp; ";
        StringBuilder sb = new StringBuilder();
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < 100 * 1024) {
            sb.append(unit).append(sb.length()).append(' ');
        }
        String payload = sb.toString();
        broker.publish(message(q, "big", payload));

        Delivery d = single(fetch(q, 1, LONG_LEASE));
        assertThat(d.payload().getBytes(StandardCharsets.UTF_8)).isEqualTo(payload.getBytes(StandardCharsets.UTF_8));

        broker.retry(d, payload + "2", Duration.ZERO);
        Delivery again = single(eventually().until(() -> fetch(q, 1, LONG_LEASE), l -> !l.isEmpty()));
        assertThat(again.payload()).isEqualTo(payload + "2");

        broker.deadLetter(again, "kept as it was");
        assertThat(broker.deadLetters(q, 10)).singleElement().satisfies(dl -> assertThat(dl.payload())
                .isEqualTo(payload + "2"));
    }

    // ------------------------------------------------------------------------------------------ leases

    @Test
    void unacked_message_is_redelivered_once_per_lease_expiry_with_delivery_count_2() {
        String q = queue("redeliver");
        broker.publish(message(q, "m1", "p1"));
        long start = System.nanoTime();
        Delivery first = single(fetch(q, 1, SHORT_LEASE));
        assertThat(first.deliveryCount()).isEqualTo(1);
        assertThat(fetch(q, 1, LONG_LEASE)).as("held while the lease runs").isEmpty();

        Delivery second = single(eventually().until(() -> fetch(q, 10, LONG_LEASE), l -> !l.isEmpty()));

        assertThat(elapsed(start)).isGreaterThanOrEqualTo(SHORT_LEASE.minus(CLOCK_SLACK));
        assertThat(second.messageId()).isEqualTo("m1");
        assertThat(second.payload()).isEqualTo("p1");
        assertThat(second.deliveryCount()).isEqualTo(2);
        assertThat(second.receipt()).isNotEqualTo(first.receipt());
        // One expiry, one redelivery: nothing more comes while the second lease holds.
        eventually().during(SHORT_LEASE.plusMillis(300)).until(() -> fetch(q, 10, LONG_LEASE).isEmpty());
        assertThat(broker.stats(q).inFlight()).isEqualTo(1);
    }

    @Test
    void extended_lease_keeps_message_away_past_its_original_lease() {
        String q = queue("extend");
        broker.publish(message(q, "m1", "p1"));
        Delivery d = single(fetch(q, 1, SHORT_LEASE));

        Set<String> lost = broker.extendLeases(List.of(d), Duration.ofSeconds(30));

        assertThat(lost).isEmpty();
        eventually().during(SHORT_LEASE.multipliedBy(2)).until(() -> fetch(q, 10, LONG_LEASE).isEmpty());
        broker.ack(List.of(d));
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    @Test
    void extending_a_lease_lost_to_redelivery_or_ack_reports_its_receipt() {
        String q = queue("lost");
        broker.publish(List.of(message(q, "m1", "p1"), message(q, "m2", "p2")));
        List<Delivery> got = fetch(q, 2, SHORT_LEASE);
        Delivery m1 = byId(got, "m1");
        Delivery m2 = byId(got, "m2");
        broker.extendLeases(List.of(m2), LONG_LEASE);
        Delivery redelivered = single(eventually().until(() -> fetch(q, 10, LONG_LEASE), l -> !l.isEmpty()));
        assertThat(redelivered.messageId()).isEqualTo("m1");

        assertThat(broker.extendLeases(List.of(m1, m2), LONG_LEASE)).containsExactly(m1.receipt());

        broker.ack(List.of(m2));
        assertThat(broker.extendLeases(List.of(m2, redelivered), LONG_LEASE)).containsExactly(m2.receipt());
    }

    @Test
    void stale_receipt_cannot_ack_or_extend_the_redelivered_message() {
        String q = queue("stale");
        broker.publish(message(q, "m1", "p1"));
        Delivery stale = single(fetch(q, 1, SHORT_LEASE));
        Delivery current = single(eventually().until(() -> fetch(q, 1, LONG_LEASE), l -> !l.isEmpty()));

        broker.ack(List.of(stale));

        assertThat(broker.stats(q).inFlight()).as("the redelivered message survives the stale ack").isEqualTo(1);
        assertThat(broker.extendLeases(List.of(current), LONG_LEASE)).isEmpty();
        broker.ack(List.of(current));
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    // ------------------------------------------------------------------------------- retry and release

    @Test
    void retry_replaces_payload_and_is_not_visible_before_its_delay() {
        String q = queue("retry");
        broker.publish(message(q, "m1", "attempt-1"));
        Delivery d = single(fetch(q, 1, LONG_LEASE));
        Duration delay = Duration.ofMillis(1200);
        long start = System.nanoTime();

        broker.retry(d, "attempt-2", delay);

        assertThat(fetch(q, 10, LONG_LEASE)).isEmpty();
        QueueStats stats = broker.stats(q);
        assertThat(stats.delayed()).isEqualTo(1);
        assertThat(stats.inFlight()).isZero();
        broker.ack(List.of(d)); // the retried lease is gone: this ack must not remove the next attempt
        Delivery next = single(eventually().until(() -> fetch(q, 10, LONG_LEASE), l -> !l.isEmpty()));
        assertThat(elapsed(start)).isGreaterThanOrEqualTo(delay.minus(CLOCK_SLACK));
        assertThat(next.messageId()).isEqualTo("m1");
        assertThat(next.payload()).isEqualTo("attempt-2");
        assertThat(next.receipt()).isNotEqualTo(d.receipt());
    }

    @Test
    void retry_without_delay_is_fetchable_at_once() {
        String q = queue("retrynow");
        broker.publish(message(q, "m1", "attempt-1"));
        Delivery d = single(fetch(q, 1, LONG_LEASE));

        broker.retry(d, "attempt-2", Duration.ZERO);

        assertThat(fetch(q, 10, LONG_LEASE)).extracting(Delivery::payload).containsExactly("attempt-2");
    }

    @Test
    void released_message_is_fetchable_at_once_as_it_was() {
        String q = queue("release");
        broker.publish(List.of(message(q, "m1", "p1"), message(q, "m2", "p2")));
        List<Delivery> got = fetch(q, 2, LONG_LEASE);

        broker.release(got);

        List<Delivery> again = fetch(q, 10, LONG_LEASE);
        assertThat(again).extracting(Delivery::messageId).containsExactlyInAnyOrder("m1", "m2");
        assertThat(again).extracting(Delivery::payload).containsExactlyInAnyOrder("p1", "p2");
        assertThat(again).extracting(Delivery::receipt).doesNotContainAnyElementsOf(
                got.stream().map(Delivery::receipt).toList());
    }

    // ------------------------------------------------------------------------------- order and delays

    @Test
    void delayed_and_eta_messages_come_out_in_due_order_and_not_before() {
        String q = queue("delayed");
        Instant now = Instant.now();
        Map<String, Instant> due = new HashMap<>();
        due.put("countdown-1200ms", now.plusMillis(1200));
        due.put("eta-800ms", now.plusMillis(800));
        due.put("countdown-400ms", now.plusMillis(400));
        broker.publish(List.of(
                message(q, "countdown-1200ms", 0, due.get("countdown-1200ms"), "a"),
                message(q, "eta-800ms", 0, due.get("eta-800ms"), "b"),
                message(q, "countdown-400ms", 0, due.get("countdown-400ms"), "c"),
                message(q, "now", 0, null, "d")));

        List<String> order = new CopyOnWriteArrayList<>();
        eventually().until(() -> {
            for (Delivery d : fetch(q, 10, LONG_LEASE)) {
                Instant at = Instant.now();
                if (due.containsKey(d.messageId())) {
                    assertThat(at).as(d.messageId()).isAfterOrEqualTo(due.get(d.messageId()).minus(CLOCK_SLACK));
                }
                order.add(d.messageId());
                broker.ack(List.of(d));
            }
            return order.size() == 4;
        });

        assertThat(order).containsExactly("now", "countdown-400ms", "eta-800ms", "countdown-1200ms");
    }

    @Test
    void higher_priority_comes_first_among_due_messages() {
        String q = queue("prio");
        broker.publish(message(q, "low-1", 0, null, "x"));
        broker.publish(message(q, "high-1", 9, null, "x"));
        broker.publish(message(q, "mid-1", 5, null, "x"));
        broker.publish(message(q, "high-delayed", 9, Instant.now().plusSeconds(3600), "x"));
        broker.publish(List.of(message(q, "low-2", 0, null, "x"), message(q, "high-2", 9, null, "x")));

        assertThat(fetch(q, 10, LONG_LEASE))
                .extracting(Delivery::messageId)
                .containsExactly("high-1", "high-2", "mid-1", "low-1", "low-2");
    }

    @Test
    void messages_of_one_priority_come_out_in_publish_order() {
        String q = queue("fifo");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            broker.publish(message(q, "single-" + i, 3, null, "x"));
            expected.add("single-" + i);
        }
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batch.add(message(q, "batch-" + i, 3, null, "x"));
            expected.add("batch-" + i);
        }
        broker.publish(batch);

        List<String> got = new ArrayList<>();
        List<Delivery> chunk;
        while (!(chunk = fetch(q, 7, LONG_LEASE)).isEmpty()) {
            chunk.forEach(d -> got.add(d.messageId()));
        }

        assertThat(got).containsExactlyElementsOf(expected);
    }

    // ----------------------------------------------------------------------------------- dead letters

    @Test
    void dead_letter_keeps_reason_delivery_count_and_raw_payload() {
        String q = queue("dead");
        String raw = "not json at all: {\"x\": 1, 'ü'}";
        broker.publish(message(q, "m1", raw));
        single(fetch(q, 1, SHORT_LEASE));
        Delivery second = single(eventually().until(() -> fetch(q, 1, LONG_LEASE), l -> !l.isEmpty()));
        assertThat(second.deliveryCount()).isEqualTo(2);
        Instant before = Instant.now();

        broker.deadLetter(second, "java.lang.IllegalStateException: boom");

        List<DeadLetter> dead = broker.deadLetters(q, 10);
        assertThat(dead).hasSize(1);
        DeadLetter dl = dead.get(0);
        assertThat(dl.id()).isNotBlank();
        assertThat(dl.queue()).isEqualTo(q);
        assertThat(dl.messageId()).isEqualTo("m1");
        assertThat(dl.payload()).isEqualTo(raw);
        assertThat(dl.reason()).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(dl.deliveryCount()).isEqualTo(2);
        assertThat(dl.deadAt()).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 1));
        eventually().during(Duration.ofMillis(300)).until(() -> fetch(q, 10, LONG_LEASE).isEmpty());
    }

    @Test
    void dead_letters_are_listed_oldest_first_up_to_the_limit() {
        String q = queue("deadorder");
        broker.publish(List.of(message(q, "a", "pa"), message(q, "b", "pb"), message(q, "c", "pc")));
        List<Delivery> got = fetch(q, 3, LONG_LEASE);

        broker.deadLetter(byId(got, "c"), "reason c");
        broker.deadLetter(byId(got, "a"), "reason a");
        broker.deadLetter(byId(got, "b"), "reason b");

        assertThat(broker.deadLetters(q, 10)).extracting(DeadLetter::messageId).containsExactly("c", "a", "b");
        assertThat(broker.deadLetters(q, 2)).extracting(DeadLetter::messageId).containsExactly("c", "a");
        assertThat(broker.deadLetters(q, 10)).extracting(DeadLetter::id).doesNotHaveDuplicates();
        assertThat(broker.deadLetters(queue("other"), 10)).isEmpty();
    }

    @Test
    void replays_dead_letters_by_id_and_then_all() {
        String q = queue("replay");
        broker.publish(List.of(message(q, "a", "pa"), message(q, "b", "pb"), message(q, "c", "pc")));
        for (Delivery d : fetch(q, 3, LONG_LEASE)) {
            broker.deadLetter(d, "failed " + d.messageId());
        }
        String idOfB = broker.deadLetters(q, 10).stream()
                .filter(dl -> dl.messageId().equals("b"))
                .findFirst()
                .orElseThrow()
                .id();

        assertThat(broker.replayDeadLetters(q, List.of(idOfB, "no-such-dead-letter"))).isEqualTo(1);

        assertThat(broker.deadLetters(q, 10)).extracting(DeadLetter::messageId).containsExactly("a", "c");
        Delivery b = single(fetch(q, 10, LONG_LEASE));
        assertThat(b.messageId()).isEqualTo("b");
        assertThat(b.payload()).isEqualTo("pb");
        broker.ack(List.of(b));

        assertThat(broker.replayDeadLetters(q, List.of())).isEqualTo(2);

        assertThat(broker.deadLetters(q, 10)).isEmpty();
        List<Delivery> rest = fetch(q, 10, LONG_LEASE);
        assertThat(rest).extracting(Delivery::messageId).containsExactlyInAnyOrder("a", "c");
        assertThat(rest).extracting(Delivery::payload).containsExactlyInAnyOrder("pa", "pc");
        assertThat(broker.replayDeadLetters(q, List.of())).isZero();
    }

    @Test
    void purges_dead_letters() {
        String q = queue("deadpurge");
        broker.publish(List.of(message(q, "a", "pa"), message(q, "b", "pb")));
        for (Delivery d : fetch(q, 2, LONG_LEASE)) {
            broker.deadLetter(d, "failed");
        }

        assertThat(broker.purgeDeadLetters(q)).isEqualTo(2);

        assertThat(broker.deadLetters(q, 10)).isEmpty();
        assertThat(broker.stats(q).dead()).isZero();
        assertThat(broker.purgeDeadLetters(q)).isZero();
    }

    // ----------------------------------------------------------------------------- volume and threads

    @Test
    void batch_of_1000_messages_is_published_and_fetched_completely() {
        String q = queue("batch");
        List<OutboundMessage> batch = IntStream.range(0, 1000)
                .mapToObj(i -> message(q, "m" + i, "{\"n\":" + i + "}"))
                .toList();

        broker.publish(batch);

        assertThat(broker.stats(q).ready()).isEqualTo(1000);
        Map<String, String> got = new HashMap<>();
        List<Delivery> chunk;
        while (!(chunk = fetch(q, 100, LONG_LEASE)).isEmpty()) {
            assertThat(chunk.size()).isLessThanOrEqualTo(100);
            chunk.forEach(d -> assertThat(got.put(d.messageId(), d.payload())).isNull());
            broker.ack(chunk);
        }
        assertThat(got).hasSize(1000);
        assertThat(got).containsEntry("m0", "{\"n\":0}").containsEntry("m999", "{\"n\":999}");
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    @Test
    void sixteen_threads_publishing_the_first_messages_of_a_new_queue_at_once_all_succeed() throws Exception {
        for (int round = 0; round < 10; round++) {
            String q = queue("fresh" + round);
            race(16, i -> {
                broker.publish(List.of(message(q, "m" + i, "{}")));
                return null;
            });
            assertThat(broker.stats(q).ready()).as("round %d", round).isEqualTo(16);
        }
    }

    @Test
    void concurrent_consumers_get_every_message_exactly_once_and_never_share_one() throws Exception {
        String q = queue("concurrent");
        int total = 2000;
        int consumers = 8;
        for (int from = 0; from < total; from += 500) {
            int start = from;
            broker.publish(IntStream.range(start, start + 500).mapToObj(i -> message(q, "m" + i, "p" + i)).toList());
        }
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        Set<String> held = ConcurrentHashMap.newKeySet();
        List<String> sharedHolds = new CopyOnWriteArrayList<>();
        AtomicInteger acked = new AtomicInteger();
        ExecutorService pool = executor(consumers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            futures.add(pool.submit(() -> {
                go.await();
                long deadline = System.nanoTime() + TIMEOUT.multipliedBy(2).toNanos();
                while (acked.get() < total && System.nanoTime() < deadline) {
                    List<Delivery> got = broker.fetch(List.of(q), 10, LONG_LEASE, Duration.ofMillis(100));
                    for (Delivery d : got) {
                        if (!held.add(d.messageId())) {
                            sharedHolds.add(d.messageId());
                        }
                        deliveries.computeIfAbsent(d.messageId(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    broker.ack(got);
                    got.forEach(d -> held.remove(d.messageId()));
                    acked.addAndGet(got.size());
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(TIMEOUT.multipliedBy(3).toSeconds(), TimeUnit.SECONDS);
        }

        assertThat(sharedHolds).as("messages held by two consumers at once").isEmpty();
        assertThat(deliveries).hasSize(total);
        assertThat(deliveries.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey))
                .as("messages delivered more than once")
                .isEmpty();
        assertThat(acked.get()).isEqualTo(total);
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
    }

    @Test
    void blocking_fetch_over_two_queues_returns_promptly_when_a_message_is_published_to_either()
            throws Exception {
        String other = queue("quiet");
        String q = queue("wake");
        AtomicLong returnedAt = new AtomicLong();
        Future<List<Delivery>> consumer = executor(1).submit(() -> {
            List<Delivery> got = broker.fetch(List.of(other, q), 10, LONG_LEASE, Duration.ofSeconds(10));
            returnedAt.set(System.nanoTime());
            return got;
        });
        pause(Duration.ofMillis(300)); // let the consumer enter its wait
        long published = System.nanoTime();

        broker.publish(message(q, "m1", "p1"));

        List<Delivery> got = consumer.get(5, TimeUnit.SECONDS);
        assertThat(got).extracting(Delivery::messageId).containsExactly("m1");
        assertThat(Duration.ofNanos(returnedAt.get() - published)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void blocking_fetch_returns_a_delayed_message_when_it_falls_due() {
        String q = queue("wakedelayed");
        Instant due = Instant.now().plusMillis(500);
        broker.publish(message(q, "m1", 0, due, "p1"));

        List<Delivery> got = broker.fetch(List.of(q), 10, LONG_LEASE, Duration.ofSeconds(5));

        assertThat(got).extracting(Delivery::messageId).containsExactly("m1");
        assertThat(Instant.now()).isAfterOrEqualTo(due.minus(CLOCK_SLACK)).isBefore(due.plusSeconds(2));
    }

    @Test
    void blocking_fetch_on_empty_queue_waits_about_the_wait_then_returns_empty() {
        long start = System.nanoTime();

        List<Delivery> got = broker.fetch(List.of(queue("empty")), 10, LONG_LEASE, Duration.ofMillis(400));

        assertThat(got).isEmpty();
        assertThat(elapsed(start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(3));
    }

    @Test
    void interrupted_blocking_fetch_returns_empty_with_interrupt_flag_set() throws Exception {
        String q = queue("interrupt");
        AtomicBoolean flagAfter = new AtomicBoolean();
        AtomicReference<List<Delivery>> result = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            result.set(broker.fetch(List.of(q), 10, LONG_LEASE, Duration.ofSeconds(20)));
            flagAfter.set(Thread.currentThread().isInterrupted());
        }, "tck-interrupted-consumer");
        consumer.start();
        pause(Duration.ofMillis(300));
        long start = System.nanoTime();

        consumer.interrupt();

        consumer.join(5000);
        assertThat(consumer.isAlive()).as("fetch still blocked 5 s after the interrupt").isFalse();
        assertThat(elapsed(start)).isLessThan(Duration.ofSeconds(3));
        assertThat(result.get()).isEmpty();
        assertThat(flagAfter).isTrue();
    }

    @Test
    void fetch_on_an_interrupted_thread_returns_empty_and_keeps_the_flag() {
        String q = queue("interrupted");
        long start = System.nanoTime();
        Thread.currentThread().interrupt();
        List<Delivery> got;
        try {
            got = broker.fetch(List.of(q), 10, LONG_LEASE, Duration.ofSeconds(20));
        } finally {
            assertThat(Thread.interrupted()).as("interrupt flag kept").isTrue();
        }
        assertThat(got).isEmpty();
        assertThat(elapsed(start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void fetch_over_two_queues_serves_the_second_while_the_first_is_full() {
        String busy = queue("busy");
        String quiet = queue("quiet");
        broker.publish(IntStream.range(0, 200).mapToObj(i -> message(busy, "b" + i, "x")).toList());
        broker.publish(IntStream.range(0, 10).mapToObj(i -> message(quiet, "q" + i, "x")).toList());

        List<Delivery> fromQuiet = new ArrayList<>();
        int fetched = 0;
        for (int round = 0; round < 5; round++) {
            List<Delivery> got = broker.fetch(List.of(busy, quiet), 10, LONG_LEASE, Duration.ZERO);
            assertThat(got).hasSizeLessThanOrEqualTo(10);
            got.stream().filter(d -> d.queue().equals(quiet)).forEach(fromQuiet::add);
            fetched += got.size();
            broker.ack(got);
        }

        assertThat(fetched).isLessThanOrEqualTo(50);
        assertThat(fromQuiet).extracting(Delivery::messageId).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, 10).mapToObj(i -> "q" + i).toList());
        assertThat(broker.stats(busy).ready()).isEqualTo(200 - (fetched - 10));
    }

    // ------------------------------------------------------------------------- stats, purge, queues

    @Test
    void stats_count_ready_delayed_in_flight_and_dead() {
        String q = queue("stats");
        Instant later = Instant.now().plusSeconds(3600);
        broker.publish(List.of(
                message(q, "r1", "x"), message(q, "r2", "x"), message(q, "r3", "x"), message(q, "r4", "x"),
                message(q, "d1", 0, later, "x"), message(q, "d2", 0, later, "x")));
        List<Delivery> got = fetch(q, 2, LONG_LEASE);

        broker.deadLetter(got.get(0), "failed");

        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 2, 2, 1, 1));
        assertThat(broker.stats(queue("unused"))).isEqualTo(new QueueStats(queue("unused"), 0, 0, 0, 0));
    }

    @Test
    void purge_deletes_ready_and_delayed_but_not_in_flight_messages() {
        String q = queue("purge");
        broker.publish(List.of(
                message(q, "r1", "x"), message(q, "r2", "x"), message(q, "r3", "x"),
                message(q, "d1", 0, Instant.now().plusSeconds(3600), "x")));
        Delivery inFlight = single(fetch(q, 1, LONG_LEASE));

        assertThat(broker.purge(q)).isEqualTo(3);

        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 1, 0));
        assertThat(fetch(q, 10, LONG_LEASE)).isEmpty();
        broker.ack(List.of(inFlight));
        assertThat(broker.stats(q)).isEqualTo(new QueueStats(q, 0, 0, 0, 0));
        assertThat(broker.purge(q)).isZero();
    }

    @Test
    void delayed_lists_messages_not_yet_due_soonest_first_up_to_the_limit() {
        String q = queue("listdelayed");
        Instant base = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        broker.publish(List.of(
                message(q, "now", "attempt-1"),
                message(q, "d30", 0, base.plusSeconds(30), "p30"),
                message(q, "d10", 9, base.plusSeconds(10), "p10"),
                message(q, "d20", 0, base.plusSeconds(20), "p20"),
                message(q, "d40", 5, base.plusSeconds(40), "p40")));
        Delivery d = single(fetch(q, 1, LONG_LEASE));
        // a retry's backoff is a delay too: due between d20 and d30
        broker.retry(d, "attempt-2", Duration.between(Instant.now(), base.plusSeconds(25)));

        List<DelayedMessage> all = broker.delayed(q, 10);

        assertThat(all).extracting(DelayedMessage::id).containsExactly("d10", "d20", "now", "d30", "d40");
        assertThat(all.get(0)).isEqualTo(new DelayedMessage("d10", q, 9, base.plusSeconds(10), "p10"));
        assertThat(all.get(2).payload()).isEqualTo("attempt-2");
        assertThat(all.get(2).dueAt()).isBetween(base.plusSeconds(24), base.plusSeconds(26));
        assertThat(broker.delayed(q, 2)).extracting(DelayedMessage::id).containsExactly("d10", "d20");
        assertThat(broker.delayed(queue("unused"), 10)).isEmpty();
        assertThat(broker.stats(q).delayed()).as("listing changes nothing").isEqualTo(5);
    }

    @Test
    void delayed_leaves_out_messages_that_fell_due() {
        String q = queue("duedelayed");
        broker.publish(List.of(
                message(q, "soon", 0, Instant.now().plusMillis(300), "x"),
                message(q, "later", 0, Instant.now().plusSeconds(3600), "x"),
                message(q, "ready", "x")));
        assertThat(broker.delayed(q, 10)).extracting(DelayedMessage::id).containsExactly("soon", "later");

        eventually().untilAsserted(() ->
                assertThat(broker.delayed(q, 10)).extracting(DelayedMessage::id).containsExactly("later"));
    }

    @Test
    void queues_lists_the_queues_published_to() {
        String a = queue("qa");
        String b = queue("qb");
        broker.publish(message(a, "m1", "x"));
        broker.publish(message(b, "m2", "x"));

        assertThat(broker.queues()).contains(a, b).doesNotContain(queue("never"));
    }

    // ----------------------------------------------------------------------------------- the stores

    /** {@link IdempotencyStore} of the broker under test. */
    @Nested
    class Idempotency {

        private IdempotencyStore store;
        private String key;

        @BeforeEach
        void setUp() {
            store = broker.idempotency();
            key = "key-" + UUID.randomUUID();
        }

        @Test
        void first_claim_wins_others_see_in_progress_and_the_owner_renews() {
            assertThat(store.claim(key, "a", LONG_LEASE)).isEqualTo(Claim.CLAIMED);
            assertThat(store.claim(key, "b", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);
            assertThat(store.claim(key, "a", LONG_LEASE)).isEqualTo(Claim.CLAIMED);
            assertThat(store.renew(key, "a", LONG_LEASE)).isTrue();
            assertThat(store.renew(key, "b", LONG_LEASE)).isFalse();
            assertThat(store.renew("key-" + UUID.randomUUID(), "a", LONG_LEASE)).isFalse();
        }

        @Test
        void completed_key_is_done_for_everyone() {
            store.claim(key, "a", LONG_LEASE);

            store.complete(key, "a", Duration.ofHours(1));

            assertThat(store.claim(key, "b", LONG_LEASE)).isEqualTo(Claim.DONE);
            assertThat(store.claim(key, "a", LONG_LEASE)).isEqualTo(Claim.DONE);
        }

        @Test
        void only_the_owner_completes_a_claim() {
            store.claim(key, "a", LONG_LEASE);

            store.complete(key, "b", Duration.ofHours(1));

            assertThat(store.claim(key, "c", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);
            store.complete(key, "a", Duration.ofHours(1));
            assertThat(store.claim(key, "c", LONG_LEASE)).isEqualTo(Claim.DONE);
        }

        @Test
        void claim_lapses_after_its_ttl() {
            long start = System.nanoTime();
            assertThat(store.claim(key, "a", SHORT_LEASE)).isEqualTo(Claim.CLAIMED);
            assertThat(store.claim(key, "b", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);

            eventually().until(() -> store.claim(key, "b", LONG_LEASE) == Claim.CLAIMED);

            assertThat(elapsed(start)).isGreaterThanOrEqualTo(SHORT_LEASE.minus(CLOCK_SLACK));
            assertThat(store.renew(key, "a", LONG_LEASE)).isFalse();
            store.complete(key, "a", Duration.ofHours(1));
            assertThat(store.claim(key, "c", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);
        }

        @Test
        void renewed_claim_outlives_its_first_ttl() {
            store.claim(key, "a", SHORT_LEASE);

            assertThat(store.renew(key, "a", LONG_LEASE)).isTrue();

            eventually().during(SHORT_LEASE.multipliedBy(2))
                    .until(() -> store.claim(key, "b", LONG_LEASE) == Claim.IN_PROGRESS);
        }

        @Test
        void done_key_can_be_claimed_again_after_its_retention() {
            store.claim(key, "a", LONG_LEASE);
            store.complete(key, "a", SHORT_LEASE);
            assertThat(store.claim(key, "b", LONG_LEASE)).isEqualTo(Claim.DONE);

            eventually().until(() -> store.claim(key, "b", LONG_LEASE) == Claim.CLAIMED);
        }

        @Test
        void release_by_the_owner_lets_another_claim_and_release_by_others_does_nothing() {
            store.claim(key, "a", LONG_LEASE);

            store.release(key, "b");
            assertThat(store.claim(key, "c", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);

            store.release(key, "a");
            assertThat(store.claim(key, "c", LONG_LEASE)).isEqualTo(Claim.CLAIMED);
        }

        @Test
        void a_running_claim_is_taken_over_only_by_a_claimant_naming_its_owner_as_dead() {
            assertThat(store.claim(key, "m#1@w1/r1", LONG_LEASE)).isEqualTo(Claim.CLAIMED);
            assertThat(store.claim(key, "m#1@w2/r2", LONG_LEASE, List.of())).isEqualTo(Claim.IN_PROGRESS);
            assertThat(store.claim(key, "x#2@w2/r2", LONG_LEASE, List.of("x#1@"))).isEqualTo(Claim.IN_PROGRESS);
            // prefixes are literal text, not patterns
            assertThat(store.claim(key, "y@w3", LONG_LEASE, List.of("m%", "m_1", "_"))).isEqualTo(Claim.IN_PROGRESS);

            assertThat(store.claim(key, "m#2@w2/r3", LONG_LEASE, List.of("m#1@"))).isEqualTo(Claim.CLAIMED);

            // the run taken over holds nothing any more
            assertThat(store.renew(key, "m#1@w1/r1", LONG_LEASE)).isFalse();
            store.complete(key, "m#1@w1/r1", Duration.ofHours(1));
            store.release(key, "m#1@w1/r1");
            assertThat(store.claim(key, "z@w4", LONG_LEASE)).isEqualTo(Claim.IN_PROGRESS);
            assertThat(store.renew(key, "m#2@w2/r3", LONG_LEASE)).isTrue();
        }

        @Test
        void a_done_key_stays_done_for_a_claimant_naming_its_owner_as_dead() {
            store.claim(key, "m#1@w1/r1", LONG_LEASE);
            store.complete(key, "m#1@w1/r1", Duration.ofHours(1));

            assertThat(store.claim(key, "m#2@w2/r2", LONG_LEASE, List.of("m#1@"))).isEqualTo(Claim.DONE);
        }

        @Test
        void exactly_one_of_16_racing_claimants_wins() throws Exception {
            List<Claim> outcomes = race(16, i -> store.claim(key, "owner-" + i, LONG_LEASE));

            assertThat(outcomes).filteredOn(c -> c == Claim.CLAIMED).hasSize(1);
            assertThat(outcomes).filteredOn(c -> c == Claim.IN_PROGRESS).hasSize(15);
        }
    }

    /** {@link LeaderLock} of the broker under test. */
    @Nested
    class LeaderLocks {

        private LeaderLock locks;
        private String name;

        @BeforeEach
        void setUp() {
            locks = broker.leaderLock();
            name = "lock-" + UUID.randomUUID();
        }

        @Test
        void exactly_one_of_racing_owners_gets_the_lock() throws Exception {
            List<Optional<LockLease>> outcomes = race(8, i -> locks.tryAcquire(name, "owner-" + i, LONG_LEASE));

            List<LockLease> granted = outcomes.stream().flatMap(Optional::stream).toList();
            assertThat(granted).hasSize(1);
            LockLease holder = granted.get(0);
            assertThat(holder.name()).isEqualTo(name);
            assertThat(locks.tryAcquire(name, "someone-else", LONG_LEASE)).isEmpty();
            assertThat(locks.tryAcquire(name, holder.owner(), LONG_LEASE))
                    .as("the holder acquiring again renews the same lease")
                    .contains(holder);
        }

        @Test
        void holder_renews_and_keeps_the_lock_past_its_first_ttl() {
            LockLease lease = locks.tryAcquire(name, "a", SHORT_LEASE).orElseThrow();

            assertThat(locks.renew(lease, LONG_LEASE)).isTrue();

            eventually().during(SHORT_LEASE.multipliedBy(2))
                    .until(() -> locks.tryAcquire(name, "b", LONG_LEASE).isEmpty());
            assertThat(locks.renew(new LockLease(name, "b", lease.fencingToken()), LONG_LEASE)).isFalse();
        }

        @Test
        void expired_lock_passes_to_another_owner_with_a_greater_fencing_token() {
            LockLease stale = locks.tryAcquire(name, "a", SHORT_LEASE).orElseThrow();

            LockLease current = eventually().until(
                    () -> locks.tryAcquire(name, "b", LONG_LEASE), Optional::isPresent).orElseThrow();

            assertThat(current.owner()).isEqualTo("b");
            assertThat(current.fencingToken()).isGreaterThan(stale.fencingToken());
            assertThat(locks.renew(stale, LONG_LEASE)).as("stale holder's renew").isFalse();
            locks.release(stale);
            assertThat(locks.tryAcquire(name, "c", LONG_LEASE)).as("stale release must not free the lock").isEmpty();
            assertThat(locks.renew(current, LONG_LEASE)).isTrue();
        }

        @Test
        void released_lock_is_free_at_once_and_next_grant_has_a_greater_token() {
            LockLease first = locks.tryAcquire(name, "a", LONG_LEASE).orElseThrow();

            locks.release(first);

            LockLease second = locks.tryAcquire(name, "b", LONG_LEASE).orElseThrow();
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
            assertThat(locks.renew(first, LONG_LEASE)).isFalse();
        }
    }

    /** {@link StateStore} of the broker under test. */
    @Nested
    class State {

        @Test
        void fenced_write_is_refused_for_a_stale_lease_and_accepted_for_the_current_one() {
            StateStore state = broker.state();
            LeaderLock locks = broker.leaderLock();
            String name = "lock-" + UUID.randomUUID();
            String key = "state-" + UUID.randomUUID();
            assertThat(state.get(key)).isEmpty();
            LockLease stale = locks.tryAcquire(name, "a", SHORT_LEASE).orElseThrow();
            assertThat(state.putFenced(key, "v1", stale)).isTrue();
            assertThat(state.get(key)).contains("v1");

            LockLease current = eventually().until(
                    () -> locks.tryAcquire(name, "b", LONG_LEASE), Optional::isPresent).orElseThrow();

            assertThat(state.putFenced(key, "v2", stale)).isFalse();
            assertThat(state.get(key)).contains("v1");
            assertThat(state.putFenced(key, "v3", current)).isTrue();
            assertThat(state.get(key)).contains("v3");
            LockLease forged = new LockLease(name, "b", current.fencingToken() + 100);
            assertThat(state.putFenced(key, "v4", forged)).isFalse();
            assertThat(state.get(key)).contains("v3");
        }
    }

    /** {@link ResultStore} of the broker under test. */
    @Nested
    class Results {

        @Test
        void stores_replaces_and_reads_back_a_result() {
            ResultStore results = broker.results();
            String id = "task-" + UUID.randomUUID();
            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            StoredResult started = new StoredResult(id, "orders.charge", TaskState.STARTED, null, null, at);
            StoredResult done = new StoredResult(id, "orders.charge", TaskState.SUCCESS,
                    "{\"total\":\"12.50\",\"note\":\"ü \\\"q\\\"\"}", null, at.plusMillis(5));
            assertThat(results.get(id)).isEmpty();

            results.put(started, Duration.ofHours(1));
            assertThat(results.get(id)).contains(started);

            results.put(done, Duration.ofHours(1));
            assertThat(results.get(id)).contains(done);

            StoredResult failed = new StoredResult("task-" + UUID.randomUUID(), "orders.ship", TaskState.FAILURE,
                    null, "java.io.IOException: disk full", at);
            results.put(failed, Duration.ofHours(1));
            assertThat(results.get(failed.taskId())).contains(failed);
        }

        @Test
        void result_expires_after_its_ttl() {
            ResultStore results = broker.results();
            String id = "task-" + UUID.randomUUID();
            results.put(new StoredResult(id, "orders.charge", TaskState.SUCCESS, "1", null,
                    Instant.now().truncatedTo(ChronoUnit.MILLIS)), SHORT_LEASE);
            assertThat(results.get(id)).isPresent();

            eventually().until(() -> results.get(id).isEmpty());
        }
    }

    // ---------------------------------------------------------------------------------------- misuse

    /**
     * Every broker refuses the same misuse the same way (see {@code BrokerArguments}): an
     * IllegalArgumentException naming the argument, before anything changes.
     */
    @Test
    void refuses_misuse_naming_the_argument_and_changes_nothing() {
        String q = queue("misuse");
        broker.publish(List.of(message(q, "m1", "p1")));
        Delivery d = fetch(q, 1, LONG_LEASE).get(0);
        Duration w = Duration.ZERO;

        rejected(() -> broker.fetch(null, 1, LONG_LEASE, w), "queues must not be null");
        rejected(() -> broker.fetch(List.of(), 1, LONG_LEASE, w), "queues must not be empty");
        rejected(() -> broker.fetch(java.util.Arrays.asList(q, null), 1, LONG_LEASE, w), "queues must not contain null");
        rejected(() -> broker.fetch(List.of("bad name"), 1, LONG_LEASE, w), "invalid queue name");
        rejected(() -> broker.fetch(List.of(q), 0, LONG_LEASE, w), "max must be >= 1, was 0");
        rejected(() -> broker.fetch(List.of(q), 1, null, w), "lease must not be null");
        rejected(() -> broker.fetch(List.of(q), 1, Duration.ZERO, w), "lease must be positive");
        rejected(() -> broker.fetch(List.of(q), 1, Duration.ofNanos(10), w), "lease must be at least 1 ms");
        rejected(() -> broker.fetch(List.of(q), 1, LONG_LEASE, null), "wait must not be null");
        rejected(() -> broker.fetch(List.of(q), 1, LONG_LEASE, Duration.ofMillis(-1)), "wait must not be negative");
        rejected(() -> broker.publish((List<OutboundMessage>) null), "messages must not be null");
        rejected(() -> broker.publish((OutboundMessage) null), "message must not be null");
        rejected(() -> broker.publish(java.util.Arrays.asList(message(q, "m2", "p2"), null)),
                "messages must not contain null");
        rejected(() -> broker.ack(null), "deliveries must not be null");
        rejected(() -> broker.release(null), "deliveries must not be null");
        rejected(() -> broker.extendLeases(null, LONG_LEASE), "deliveries must not be null");
        rejected(() -> broker.extendLeases(List.of(d), Duration.ZERO), "lease must be positive");
        rejected(() -> broker.retry(null, "p", w), "delivery must not be null");
        rejected(() -> broker.retry(d, null, w), "newPayload must not be null");
        rejected(() -> broker.retry(d, "p", null), "delay must not be null");
        rejected(() -> broker.retry(d, "p", Duration.ofSeconds(-1)), "delay must not be negative");
        rejected(() -> broker.deadLetter(null, "r"), "delivery must not be null");
        rejected(() -> broker.deadLetter(d, null), "reason must not be null");
        rejected(() -> broker.deadLetters(q, 0), "limit must be >= 1, was 0");
        rejected(() -> broker.deadLetters("bad name", 1), "invalid queue name");
        rejected(() -> broker.delayed(q, 0), "limit must be >= 1, was 0");
        rejected(() -> broker.delayed("bad name", 1), "invalid queue name");
        rejected(() -> broker.replayDeadLetters(q, null), "ids must not be null");

        QueueStats stats = broker.stats(q);
        assertThat(stats.inFlight()).as("the delivery is still leased").isEqualTo(1);
        assertThat(stats.ready() + stats.delayed() + stats.dead()).as("nothing else is in the queue").isZero();
        broker.ack(List.of(d));
    }

    private static void rejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        org.assertj.core.api.Assertions.assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    // --------------------------------------------------------------------------------------- helpers

    /** A queue name unique to this test: {@code tck-<base>-<random>}. */
    protected String queue(String base) {
        return "tck-" + base + "-" + suffix;
    }

    /** A message due now with the default priority. */
    protected static OutboundMessage message(String queue, String id, String payload) {
        return message(queue, id, 0, null, payload);
    }

    /** A message. */
    protected static OutboundMessage message(String queue, String id, int priority, Instant notBefore, String payload) {
        return new OutboundMessage(id, queue, priority, notBefore, payload);
    }

    /** Fetches without waiting. */
    protected List<Delivery> fetch(String queue, int max, Duration lease) {
        return broker.fetch(List.of(queue), max, lease, Duration.ZERO);
    }

    /** Awaitility with this suite's timeout, polling every 25 ms from the start. */
    protected static ConditionFactory eventually() {
        return await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25));
    }

    /** Lets time pass when a test needs another thread to get somewhere it cannot observe. */
    protected static void pause(Duration d) {
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> true);
    }

    /** An executor shut down after the test. */
    protected ExecutorService executor(int threads) {
        AtomicInteger n = new AtomicInteger();
        ExecutorService e = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tck-" + getClass().getSimpleName() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executors.add(e);
        return e;
    }

    /** Runs {@code action} on {@code threads} threads released at the same moment; results in thread order. */
    protected <T> List<T> race(int threads, IndexedCall<T> action) throws Exception {
        ExecutorService pool = executor(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int index = i;
            Callable<T> task = () -> {
                ready.countDown();
                go.await();
                return action.call(index);
            };
            futures.add(pool.submit(task));
        }
        assertThat(ready.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }
        return Collections.unmodifiableList(out);
    }

    /** A call made by the {@code index}-th racing thread. */
    @FunctionalInterface
    protected interface IndexedCall<T> {
        T call(int index) throws Exception;
    }

    private static Delivery single(List<Delivery> deliveries) {
        assertThat(deliveries).hasSize(1);
        return deliveries.get(0);
    }

    private static Delivery byId(List<Delivery> deliveries, String messageId) {
        return deliveries.stream()
                .filter(d -> messageId.equals(d.messageId()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no delivery of " + messageId + " in "
                        + deliveries.stream().map(Delivery::messageId).collect(Collectors.toList())));
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
