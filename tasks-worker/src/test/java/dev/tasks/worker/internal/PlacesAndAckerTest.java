package dev.tasks.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.OutboundMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When the fetcher fetches ({@link Places}) and how finished tasks are acknowledged ({@link Acker}). */
class PlacesAndAckerTest {

    private static final Duration LEASE = Duration.ofMinutes(5);

    @Test
    void a_fetch_takes_every_free_place_once_a_batch_is_free() throws Exception {
        AtomicBoolean starved = new AtomicBoolean(false);
        Places places = new Places(8, 4, starved::get);
        assertThat(places.awaitBatch(1, TimeUnit.SECONDS)).isEqualTo(8);
        places.release(3);
        assertThat(places.awaitBatch(50, TimeUnit.MILLISECONDS)).as("3 free of a batch of 4, slots busy").isZero();
        places.release(2);
        assertThat(places.awaitBatch(1, TimeUnit.SECONDS)).isEqualTo(5);
        assertThat(places.free()).isZero();
    }

    @Test
    void after_a_fetch_that_found_fewer_tasks_than_asked_any_free_place_is_fetched_for() throws Exception {
        Places places = new Places(8, 4, () -> false);
        assertThat(places.awaitBatch(1, TimeUnit.SECONDS)).isEqualTo(8);
        places.fetched(8, 8);
        places.release(1);
        assertThat(places.awaitBatch(50, TimeUnit.MILLISECONDS)).as("queue deep: wait for a batch").isZero();
        places.release(3);
        assertThat(places.awaitBatch(1, TimeUnit.SECONDS)).as("a batch is free").isEqualTo(4);
        places.fetched(4, 1);
        assertThat(places.awaitBatch(1, TimeUnit.SECONDS)).as("queue drained: fetch for the 3 unused places")
                .isEqualTo(3);
    }

    @Test
    void starved_slots_make_a_fetch_due_with_fewer_places_than_a_batch() throws Exception {
        AtomicBoolean starved = new AtomicBoolean(false);
        Places places = new Places(8, 4, starved::get);
        places.awaitBatch(1, TimeUnit.SECONDS);
        places.release(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> fetch = pool.submit(() -> places.awaitBatch(30, TimeUnit.SECONDS));
            starved.set(true);
            places.slotStarved();
            assertThat(fetch.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void releases_from_many_threads_wake_the_fetcher_and_no_place_is_lost_or_made_up() throws Exception {
        int capacity = 64;
        int threads = 8;
        int perThread = 20_000;
        Places places = new Places(capacity, Places.defaultBatch(capacity), () -> false);
        java.util.concurrent.Semaphore taken = new java.util.concurrent.Semaphore(0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger fetches = new AtomicInteger();
        Thread fetcher = new Thread(() -> {
            try {
                while (!stop.get()) {
                    int n = places.awaitBatch(100, TimeUnit.MILLISECONDS);
                    if (n > 0) {
                        fetches.incrementAndGet();
                        taken.release(n);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        fetcher.start();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        taken.acquireUninterruptibly();
                        places.release(1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> taken.availablePermits() + places.free() == capacity);
        } finally {
            stop.set(true);
            fetcher.join(5000);
            pool.shutdownNow();
        }
        assertThat(taken.availablePermits() + places.free()).isEqualTo(capacity);
        // Batches of at least half the places: far fewer fetches than tasks.
        assertThat(fetches.get()).isLessThanOrEqualTo(threads * perThread / (capacity / 2) + 2);
    }

    @Test
    void acks_from_many_threads_go_out_in_batches_each_exactly_once() throws Exception {
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            int n = 20_000;
            List<OutboundMessage> msgs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                msgs.add(new OutboundMessage("m" + i, "q", 5, null, "{}"));
            }
            memory.publish(msgs);
            List<Delivery> all = memory.fetch(List.of("q"), n, LEASE, Duration.ZERO);
            assertThat(all).hasSize(n);
            CopyOnWriteArrayList<Integer> calls = new CopyOnWriteArrayList<>();
            ForwardingBroker counting = new ForwardingBroker(memory) {
                @Override
                public void ack(Collection<Delivery> deliveries) {
                    calls.add(deliveries.size());
                    super.ack(deliveries);
                }
            };
            Acker acker = new Acker(counting, 64, "test-acker");
            acker.start();
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger duplicates = new AtomicInteger();
            CountDownLatch finished = new CountDownLatch(n);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                for (Delivery d : all) {
                    pool.execute(() -> acker.submit(d, new Acker.Done() {
                        @Override
                        public void acked() {
                            if (!acked.add(d.messageId())) {
                                duplicates.incrementAndGet();
                            }
                            finished.countDown();
                        }

                        @Override
                        public void failed(RuntimeException e) {
                            throw new AssertionError("ack failed", e);
                        }
                    }));
                }
                assertThat(finished.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(acker.close(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                pool.shutdownNow();
            }
            assertThat(acked).hasSize(n);
            assertThat(duplicates).hasValue(0);
            assertThat(calls.stream().mapToInt(Integer::intValue).sum()).isEqualTo(n);
            assertThat(calls.stream().mapToInt(Integer::intValue).max().orElse(0)).isLessThanOrEqualTo(64);
            assertThat(memory.stats("q").inFlight()).isZero();
            assertThat(acker.pending()).isZero();
        }
    }

    @Test
    void an_ack_failing_with_a_broker_error_is_sent_again_with_what_finished_meanwhile_until_it_goes_through()
            throws Exception {
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            List<Delivery> got = twoLeased(memory);
            List<Integer> calls = new CopyOnWriteArrayList<>();
            ForwardingBroker flaky = new ForwardingBroker(memory) {
                @Override
                public void ack(Collection<Delivery> deliveries) {
                    calls.add(deliveries.size());
                    if (calls.size() <= 3) {
                        throw new BrokerException("connection lost");
                    }
                    super.ack(deliveries);
                }
            };
            Acker acker = new Acker(flaky, 8, "test-acker");
            acker.start();
            List<String> outcomes = new CopyOnWriteArrayList<>();
            acker.submit(got.get(0), recording(outcomes, got.get(0)));
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() >= 1);
            acker.submit(got.get(1), recording(outcomes, got.get(1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 2);
            assertThat(outcomes).containsExactlyInAnyOrder("a: acked", "b: acked");
            assertThat(calls).hasSize(4);
            assertThat(calls.get(0)).isEqualTo(1);
            assertThat(calls.get(3)).as("the last attempt carried the ack submitted meanwhile").isEqualTo(2);
            assertThat(memory.stats("q").inFlight()).isZero();
            assertThat(acker.pending()).isZero();
            assertThat(acker.close(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void a_failed_ack_is_reported_to_every_task_in_its_batch_at_once_when_the_error_is_not_the_brokers()
            throws Exception {
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            List<Delivery> got = twoLeased(memory);
            AtomicInteger calls = new AtomicInteger();
            ForwardingBroker failing = acksThrowing(memory, calls, new IllegalStateException("bug"));
            List<String> outcomes = new CopyOnWriteArrayList<>();
            Acker acker = ackingAll(failing, got, outcomes);
            await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 2);
            assertThat(outcomes).containsExactlyInAnyOrder("a: bug", "b: bug");
            assertThat(calls.get()).as("not sent again").isLessThanOrEqualTo(2);
            assertThat(memory.stats("q").inFlight()).as("still leased, redelivered after the lease").isEqualTo(2);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> acker.ackAndWait(got.get(0)))
                    .isInstanceOf(IllegalStateException.class).hasMessage("bug");
            assertThat(acker.close(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void a_broker_error_still_there_when_the_acker_closes_is_reported_once_its_timeout_is_up() throws Exception {
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            List<Delivery> got = twoLeased(memory);
            AtomicInteger calls = new AtomicInteger();
            ForwardingBroker down = acksThrowing(memory, calls, new BrokerException("connection lost"));
            List<String> outcomes = new CopyOnWriteArrayList<>();
            Acker acker = ackingAll(down, got, outcomes);
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 3);
            assertThat(outcomes).as("nothing reported while it retries").isEmpty();
            assertThat(acker.close(1, TimeUnit.SECONDS)).isTrue();
            assertThat(outcomes).containsExactlyInAnyOrder("a: connection lost", "b: connection lost");
            assertThat(memory.stats("q").inFlight()).as("still leased, redelivered after the lease").isEqualTo(2);
        }
    }

    /** Two messages published to queue q and leased. */
    @Test
    void a_queue_whose_acks_fail_holds_up_neither_the_acks_nor_the_slots_of_the_other_queues() throws Exception {
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            List<OutboundMessage> out = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                out.add(new OutboundMessage("bad" + i, "bad", 5, null, "{}"));
            }
            for (int i = 0; i < 6; i++) {
                out.add(new OutboundMessage("good" + i, "good", 5, null, "{}"));
            }
            memory.publish(out);
            List<Delivery> bad = memory.fetch(List.of("bad"), 2, LEASE, Duration.ZERO);
            List<Delivery> good = memory.fetch(List.of("good"), 6, LEASE, Duration.ZERO);
            // As on a Redis Cluster whose node serving "bad" died: any ack that includes "bad" fails.
            AtomicBoolean badNodeUp = new AtomicBoolean(false);
            ForwardingBroker broker = new ForwardingBroker(memory) {
                @Override
                public void ack(Collection<Delivery> deliveries) {
                    if (!badNodeUp.get() && deliveries.stream().anyMatch(d -> d.queue().equals("bad"))) {
                        throw new BrokerException("lost connection to the node serving queue bad");
                    }
                    super.ack(deliveries);
                }
            };
            Acker acker = new Acker(broker, 2, "test-acker");
            acker.start();
            List<String> outcomes = new CopyOnWriteArrayList<>();
            for (Delivery d : bad) {
                acker.submit(d, recording(outcomes, d));
            }
            ExecutorService slot = Executors.newSingleThreadExecutor();
            try {
                // Two acks of "bad" wait: the slots finishing tasks of "good" must not block behind them.
                Future<?> finishing = slot.submit(() -> good.forEach(d -> acker.submit(d, recording(outcomes, d))));
                finishing.get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 6);
                assertThat(outcomes).allMatch(o -> o.startsWith("good") && o.endsWith(": acked"));
                assertThat(memory.stats("good").inFlight()).isZero();
                badNodeUp.set(true);
                await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 8);
                assertThat(memory.stats("bad").inFlight()).isZero();
                assertThat(acker.close(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                slot.shutdownNow();
            }
        }
    }

    private static List<Delivery> twoLeased(InMemoryBroker memory) {
        memory.publish(List.of(new OutboundMessage("a", "q", 5, null, "{}"), new OutboundMessage("b", "q", 5, null, "{}")));
        return memory.fetch(List.of("q"), 2, LEASE, Duration.ZERO);
    }

    /** The broker, but every ack is counted and throws {@code error}. */
    private static ForwardingBroker acksThrowing(InMemoryBroker memory, AtomicInteger calls, RuntimeException error) {
        return new ForwardingBroker(memory) {
            @Override
            public void ack(Collection<Delivery> deliveries) {
                calls.incrementAndGet();
                throw error;
            }
        };
    }

    /** A started acker on {@code broker} with every delivery submitted, its outcome recorded in {@code outcomes}. */
    private static Acker ackingAll(ForwardingBroker broker, List<Delivery> deliveries, List<String> outcomes) {
        Acker acker = new Acker(broker, 8, "test-acker");
        acker.start();
        for (Delivery d : deliveries) {
            acker.submit(d, recording(outcomes, d));
        }
        return acker;
    }

    private static Acker.Done recording(List<String> outcomes, Delivery d) {
        return new Acker.Done() {
            @Override
            public void acked() {
                outcomes.add(d.messageId() + ": acked");
            }

            @Override
            public void failed(RuntimeException e) {
                outcomes.add(d.messageId() + ": " + e.getMessage());
            }
        };
    }
}
