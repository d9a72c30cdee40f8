package dev.tasks.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.Brokers;
import dev.tasks.ConfigurationException;
import dev.tasks.TaskState;
import dev.tasks.spi.Broker;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.IdempotencyStore.Claim;
import dev.tasks.spi.LeaderLock.LockLease;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.tck.BrokerContractTest;
import dev.tasks.tck.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InMemoryBrokerTest extends BrokerContractTest {

    @Override
    protected Broker createBroker() {
        return InMemoryBroker.create();
    }

    /** Time moved by hand instead of waited for. */
    @Nested
    class WithSettableClock {

        private final SettableClock clock = SettableClock.atFixedStart();
        private InMemoryBroker mem;

        @BeforeEach
        void open() {
            mem = new InMemoryBroker(clock);
        }

        @AfterEach
        void close() {
            mem.close();
        }

        @Test
        void redelivers_when_the_clock_passes_the_lease_once_per_expiry() {
            mem.publish(msg("q", "m1", null));
            Delivery first = mem.fetch(List.of("q"), 1, Duration.ofSeconds(30), Duration.ZERO).get(0);

            clock.advance(Duration.ofSeconds(29));
            assertThat(fetchNow("q")).isEmpty();
            clock.advance(Duration.ofSeconds(1));
            List<Delivery> second = fetchNow("q");

            assertThat(second).singleElement().satisfies(d -> {
                assertThat(d.deliveryCount()).isEqualTo(2);
                assertThat(d.receipt()).isNotEqualTo(first.receipt());
            });
            assertThat(fetchNow("q")).isEmpty();
            clock.advance(Duration.ofSeconds(30));
            assertThat(fetchNow("q")).singleElement().extracting(Delivery::deliveryCount).isEqualTo(3);
        }

        @Test
        void expired_lease_can_still_be_acked_until_the_message_is_delivered_again() {
            mem.publish(List.of(msg("q", "m1", null), msg("q", "m2", null)));
            List<Delivery> got = fetchNow("q");
            clock.advance(Duration.ofSeconds(31));
            assertThat(mem.stats("q")).isEqualTo(new QueueStats("q", 2, 0, 0, 0));

            mem.ack(List.of(got.get(0)));
            assertThat(mem.extendLeases(List.of(got.get(1)), Duration.ofSeconds(30))).isEmpty();

            assertThat(mem.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 1, 0));
            mem.ack(List.of(got.get(1)));
            assertThat(mem.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 0));
            assertThat(mem.trackedReceipts()).isZero();
        }

        @Test
        void delayed_message_is_due_exactly_at_not_before() {
            Instant due = clock.instant().plusSeconds(60);
            mem.publish(msg("q", "m1", due));

            clock.set(due.minusMillis(1));
            assertThat(fetchNow("q")).isEmpty();
            assertThat(mem.stats("q")).isEqualTo(new QueueStats("q", 0, 1, 0, 0));
            clock.set(due);

            assertThat(fetchNow("q")).singleElement().satisfies(d -> assertThat(d.publishedAt()).isEqualTo(due));
        }

        @Test
        void retry_is_due_after_its_delay_with_a_fresh_delivery_count() {
            mem.publish(msg("q", "m1", null));
            Delivery d = fetchNow("q").get(0);

            mem.retry(d, "attempt-2", Duration.ofMinutes(5));

            clock.advance(Duration.ofMinutes(5).minusMillis(1));
            assertThat(fetchNow("q")).isEmpty();
            clock.advance(Duration.ofMillis(1));
            assertThat(fetchNow("q")).singleElement().satisfies(next -> {
                assertThat(next.payload()).isEqualTo("attempt-2");
                assertThat(next.deliveryCount()).isEqualTo(1);
                assertThat(next.publishedAt()).isEqualTo(clock.instant());
            });
        }

        @Test
        void redelivered_message_goes_before_newer_ones_of_its_priority() {
            mem.publish(msg("q", "old", null));
            fetchNow("q");
            clock.advance(Duration.ofSeconds(1));
            mem.publish(msg("q", "new", null));
            clock.advance(Duration.ofSeconds(30));

            assertThat(fetchNow("q")).extracting(Delivery::messageId).containsExactly("old", "new");
        }

        @Test
        void stores_expire_by_the_clock() {
            assertThat(mem.idempotency().claim("k", "a", Duration.ofSeconds(10))).isEqualTo(Claim.CLAIMED);
            LockLease lease = mem.leaderLock().tryAcquire("beat", "a", Duration.ofSeconds(10)).orElseThrow();
            mem.results().put(new StoredResult("t1", "x.y", TaskState.SUCCESS, "1", null, clock.instant()),
                    Duration.ofSeconds(10));

            clock.advance(Duration.ofMillis(9999));
            assertThat(mem.idempotency().claim("k", "b", Duration.ofSeconds(10))).isEqualTo(Claim.IN_PROGRESS);
            assertThat(mem.leaderLock().tryAcquire("beat", "b", Duration.ofSeconds(10))).isEmpty();
            assertThat(mem.state().putFenced("slot", "v1", lease)).isTrue();
            assertThat(mem.results().get("t1")).isPresent();

            clock.advance(Duration.ofMillis(1));
            assertThat(mem.idempotency().claim("k", "b", Duration.ofSeconds(10))).isEqualTo(Claim.CLAIMED);
            assertThat(mem.state().putFenced("slot", "v2", lease)).as("an expired lease is not current").isFalse();
            assertThat(mem.leaderLock().renew(lease, Duration.ofSeconds(10))).isFalse();
            LockLease next = mem.leaderLock().tryAcquire("beat", "b", Duration.ofSeconds(10)).orElseThrow();
            assertThat(next.fencingToken()).isEqualTo(lease.fencingToken() + 1);
            assertThat(mem.results().get("t1")).isEmpty();
            assertThat(mem.state().get("slot")).contains("v1");
        }

        @Test
        void blocking_fetch_on_a_standing_clock_waits_out_its_wait_without_returning_early() {
            mem.publish(msg("q", "later", clock.instant().plusSeconds(3600)));
            long start = System.nanoTime();

            List<Delivery> got = mem.fetch(List.of("q"), 1, Duration.ofSeconds(30), Duration.ofMillis(300));

            assertThat(got).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        }

        private List<Delivery> fetchNow(String queue) {
            return mem.fetch(List.of(queue), 10, Duration.ofSeconds(30), Duration.ZERO);
        }
    }

    /** Opening by URL and the JVM-wide registry. */
    @Nested
    class Factory {

        private final List<Broker> opened = new ArrayList<>();

        @AfterEach
        void closeAll() {
            opened.forEach(Broker::close);
        }

        @Test
        void same_memory_url_opens_the_same_instance_so_client_and_worker_share_it() {
            String url = "memory://shared-" + UUID.randomUUID();
            Broker client = open(url);
            Broker worker = open(url);

            assertThat(worker).isSameAs(client);
            client.publish(msg("q", "m1", null));
            assertThat(worker.fetch(List.of("q"), 1, Duration.ofSeconds(30), Duration.ZERO)).hasSize(1);
            assertThat(client.describe()).isEqualTo(url);
        }

        @Test
        void different_names_open_different_instances() {
            String name = "iso-" + UUID.randomUUID();
            Broker a = open("memory://" + name + "-a");
            Broker b = open("memory://" + name + "-b");

            assertThat(a).isNotSameAs(b);
            a.publish(msg("q", "m1", null));
            assertThat(b.stats("q").ready()).isZero();
        }

        @Test
        void bare_memory_url_opens_the_default_instance() {
            Broker bare = open("memory:");
            assertThat(open("memory://")).isSameAs(bare);
            assertThat(open("memory://default")).isSameAs(bare);
            assertThat(open("memory://default/")).isSameAs(bare);
            assertThat(bare.describe()).isEqualTo("memory://default");
        }

        @Test
        void closing_a_shared_instance_removes_it_so_the_url_opens_a_fresh_one() {
            String url = "memory://closing-" + UUID.randomUUID();
            Broker first = open(url);
            first.publish(msg("q", "m1", null));

            first.close();
            first.close();

            Broker second = open(url);
            assertThat(second).isNotSameAs(first);
            assertThat(second.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 0));
            assertThatThrownBy(() -> first.stats("q"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(url)
                    .hasMessageContaining("closed");
        }

        @Test
        void instance_uses_the_clock_of_the_settings() {
            SettableClock clock = SettableClock.atFixedStart();
            Broker b = Brokers.open(new BrokerSettings("memory://clocked-" + UUID.randomUUID(), clock, Map.of()));
            opened.add(b);

            assertThat(((InMemoryBroker) b).clock()).isSameAs(clock);
        }

        @Test
        void rejects_malformed_memory_urls_naming_the_url() {
            for (String url : List.of("memory:foo", "memory://", "memory://a b", "memory://x/y", "memory:///")) {
                if (url.equals("memory://")) {
                    continue; // valid: the default instance
                }
                assertThatThrownBy(() -> open(url))
                        .as(url)
                        .isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining(url)
                        .hasMessageContaining("memory://NAME");
            }
        }

        private Broker open(String url) {
            Broker b = Brokers.open(url);
            opened.add(b);
            return b;
        }
    }

    /** Lifecycle and argument checks. */
    @Nested
    class Contracts {

        private final InMemoryBroker mem = InMemoryBroker.create();

        @AfterEach
        void close() {
            mem.close();
        }

        @Test
        void close_wakes_a_waiting_fetch_which_returns_empty() throws Exception {
            Future<List<Delivery>> waiting = executor(1)
                    .submit(() -> mem.fetch(List.of("q"), 1, Duration.ofSeconds(30), Duration.ofSeconds(20)));
            pause(Duration.ofMillis(200));

            mem.close();

            assertThat(waiting.get(2, TimeUnit.SECONDS)).isEmpty();
            assertThat(mem.isClosed()).isTrue();
            assertThatThrownBy(() -> mem.publish(msg("q", "m", null)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }

        @Test
        void rejects_invalid_fetch_arguments_naming_them() {
            Duration lease = Duration.ofSeconds(30);
            assertRejected(() -> mem.fetch(List.of("q"), 0, lease, Duration.ZERO), "max must be >= 1, was 0");
            assertRejected(() -> mem.fetch(List.of("q"), 1, Duration.ofSeconds(-1), Duration.ZERO),
                    "lease must be positive");
            assertRejected(() -> mem.fetch(List.of("q"), 1, Duration.ZERO, Duration.ZERO), "lease must be positive");
            assertRejected(() -> mem.fetch(List.of("q"), 1, null, Duration.ZERO), "lease must not be null");
            assertRejected(() -> mem.fetch(List.of("q"), 1, lease, Duration.ofMillis(-1)),
                    "wait must not be negative");
            assertRejected(() -> mem.fetch(List.of(), 1, lease, Duration.ZERO), "queues must not be empty");
            assertRejected(() -> mem.fetch(null, 1, lease, Duration.ZERO), "queues must not be null");
            assertRejected(() -> mem.fetch(Arrays.asList("q", null), 1, lease, Duration.ZERO),
                    "queues must not contain null");
            assertRejected(() -> mem.fetch(List.of("bad name"), 1, lease, Duration.ZERO), "invalid queue name");
        }

        @Test
        void rejects_invalid_arguments_of_other_operations_naming_them() {
            mem.publish(msg("q", "m1", null));
            Delivery d = mem.fetch(List.of("q"), 1, Duration.ofSeconds(30), Duration.ZERO).get(0);

            assertRejected(() -> mem.publish((List<OutboundMessage>) null), "messages must not be null");
            assertRejected(() -> mem.publish(Arrays.asList(msg("q", "m2", null), null)),
                    "messages must not contain null");
            assertRejected(() -> mem.retry(d, "p", Duration.ofSeconds(-1)), "delay must not be negative");
            assertRejected(() -> mem.retry(d, null, Duration.ZERO), "newPayload must not be null");
            assertRejected(() -> mem.extendLeases(List.of(d), Duration.ZERO), "lease must be positive");
            assertRejected(() -> mem.ack(null), "deliveries must not be null");
            assertRejected(() -> mem.deadLetter(d, null), "reason must not be null");
            assertRejected(() -> mem.deadLetters("q", 0), "limit must be >= 1, was 0");
            assertRejected(() -> mem.replayDeadLetters("q", null), "ids must not be null");
            assertRejected(() -> mem.idempotency().claim("k", "o", Duration.ZERO), "ttl must be positive");
            assertRejected(() -> mem.idempotency().complete("k", "o", Duration.ofSeconds(-1)),
                    "retention must be positive");
            assertRejected(() -> mem.leaderLock().tryAcquire("n", null, Duration.ofSeconds(1)),
                    "owner must not be null");
            assertRejected(() -> mem.results().put(null, Duration.ofSeconds(1)), "result must not be null");
            assertThat(mem.stats("q").inFlight()).as("nothing changed").isEqualTo(1);
        }

        @Test
        void publishing_a_batch_with_a_null_element_publishes_nothing() {
            assertRejected(() -> mem.publish(Arrays.asList(msg("q", "m1", null), null)), "must not contain null");

            assertThat(mem.stats("q").ready()).isZero();
        }

        private void assertRejected(Runnable call, String message) {
            assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        }
    }

    private static OutboundMessage msg(String queue, String id, Instant notBefore) {
        return new OutboundMessage(id, queue, 0, notBefore, "payload-" + id);
    }
}
