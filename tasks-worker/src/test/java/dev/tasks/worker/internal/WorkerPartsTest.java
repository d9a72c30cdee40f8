package dev.tasks.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.TaskRegistry;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.worker.Worker;
import dev.tasks.worker.WorkerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's parts on their own, over an in-memory broker: the bookkeeping of held runs ({@link HeldRuns}),
 * the lease heartbeat ({@link LeaseKeeper}) and the fetch loop ({@link Fetcher}). The worker as a whole is
 * covered by the worker contract suites.
 */
class WorkerPartsTest {

    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final String QUEUE = "parts";

    private final InMemoryBroker memory = InMemoryBroker.create();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        memory.close();
    }

    // ---------------------------------------------------------------- held runs

    @Test
    void cleanup_frees_a_place_once_and_counts_out_only_runs_a_slot_took() {
        HeldRuns runs = new HeldRuns(config(memory, 1, 1), r -> { });
        Places places = runs.places();
        List<Run> held = holdQueued(runs, places, 2);
        assertThat(places.free()).isZero();

        Run started = runs.next(1, TimeUnit.SECONDS);
        assertThat(started.start(Thread.currentThread(), new Slot(1, "test-slot", null))).isTrue();
        runs.started();
        assertThat(runs.active()).isEqualTo(1);
        runs.releasePlace(started); // a success handed to the acker gives its place back before its cleanup
        assertThat(places.free()).isEqualTo(1);
        assertThat(started.settle()).isTrue();
        runs.cleanup(started);
        runs.cleanup(started);
        assertThat(places.free()).as("released ahead of cleanup, freed once").isEqualTo(1);
        assertThat(runs.active()).isZero();

        Run queued = held.get(0) == started ? held.get(1) : held.get(0);
        assertThat(runs.unqueue(queued)).isTrue();
        runs.cleanup(queued);
        assertThat(places.free()).isEqualTo(2);
        assertThat(runs.active()).as("a run no slot took is not counted out").isZero();
        assertThat(runs.all()).isEmpty();
    }

    @Test
    void a_shutdown_gives_back_queued_and_running_runs_so_they_are_delivered_again_at_once() {
        HeldRuns runs = new HeldRuns(config(memory, 1, 2), r -> { });
        Places places = runs.places();
        holdQueued(runs, places, 3);
        Run running = runs.next(1, TimeUnit.SECONDS);
        assertThat(running.start(Thread.currentThread(), new Slot(1, "test-slot", null))).isTrue();
        runs.started();

        assertThat(runs.releaseQueued()).isEqualTo(2);
        assertThat(runs.releaseActive()).isEqualTo(1);

        assertThat(running.state()).isEqualTo(Run.State.ABANDONED);
        assertThat(runs.all()).isEmpty();
        assertThat(runs.active()).isZero();
        assertThat(places.free()).isEqualTo(3);
        assertThat(memory.fetch(List.of(QUEUE), 10, LEASE, Duration.ZERO)).hasSize(3);
    }

    // ---------------------------------------------------------------- lease heartbeat

    @Test
    void a_lost_lease_drops_a_prefetched_task_and_flags_a_running_one_that_keeps_running() {
        Set<String> lost = new HashSet<>();
        Broker broker = new ForwardingBroker(memory) {
            @Override
            public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
                super.extendLeases(deliveries, lease);
                return lost;
            }
        };
        WorkerConfig config = config(broker, 1, 1);
        HeldRuns runs = new HeldRuns(config, r -> { });
        List<Run> held = holdQueued(runs, runs.places(), 2);
        Run running = runs.next(1, TimeUnit.SECONDS);
        assertThat(running.start(Thread.currentThread(), new Slot(1, "test-slot", null))).isTrue();
        runs.started();
        Run prefetched = held.get(0) == running ? held.get(1) : held.get(0);
        for (Run r : held) {
            lost.add(r.delivery.receipt());
        }

        new LeaseKeeper(config, runs).heartbeat();

        assertThat(prefetched.state()).isEqualTo(Run.State.RELEASED);
        assertThat(runs.all()).containsExactly(running);
        assertThat(runs.places().free()).as("the dropped task's place").isEqualTo(1);
        assertThat(running.state()).isEqualTo(Run.State.ACTIVE);
        assertThat(running.leaseLost).isTrue();
        assertThat(prefetched.leaseLost).isFalse();
    }

    @Test
    void a_failed_heartbeat_is_tried_again_after_100_ms_then_twice_as_late_until_it_goes_through() {
        List<Long> calls = new CopyOnWriteArrayList<>();
        Broker broker = new ForwardingBroker(memory) {
            @Override
            public Set<String> extendLeases(Collection<Delivery> deliveries, Duration lease) {
                calls.add(System.nanoTime());
                if (calls.size() <= 3) {
                    throw new BrokerException("connection lost (test)");
                }
                return super.extendLeases(deliveries, lease);
            }
        };
        WorkerConfig config = config(broker, 1, 1);
        HeldRuns runs = new HeldRuns(config, r -> { });
        holdQueued(runs, runs.places(), 1);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        toClose.add(scheduler::shutdownNow);
        LeaseKeeper leases = new LeaseKeeper(config, runs);
        leases.start(scheduler);

        leases.heartbeat();

        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 4);
        long[] gaps = new long[3];
        for (int i = 0; i < 3; i++) {
            gaps[i] = TimeUnit.NANOSECONDS.toMillis(calls.get(i + 1) - calls.get(i));
        }
        assertThat(gaps[0]).isGreaterThanOrEqualTo(LeaseKeeper.FIRST_RETRY_MILLIS);
        assertThat(gaps[1]).isGreaterThanOrEqualTo(2 * LeaseKeeper.FIRST_RETRY_MILLIS);
        assertThat(gaps[2]).isGreaterThanOrEqualTo(4 * LeaseKeeper.FIRST_RETRY_MILLIS);
        assertThat(gaps[2]).as("well before the next regular beat, %s away", config.heartbeatInterval())
                .isLessThan(config.heartbeatInterval().toMillis());
    }

    // ---------------------------------------------------------------- fetcher

    @Test
    void the_fetcher_asks_its_queues_in_an_order_rotated_by_one_each_fetch() {
        List<List<String>> orders = new CopyOnWriteArrayList<>();
        Broker broker = new ForwardingBroker(memory) {
            @Override
            public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
                orders.add(List.copyOf(queues));
                return super.fetch(queues, max, lease, wait);
            }
        };
        WorkerConfig config = Worker.builder().broker(broker).registry(TaskRegistry.builder().build())
                .queues("a", "b", "c").fetchWait(Duration.ofMillis(10)).build().config();
        HeldRuns runs = new HeldRuns(config, r -> { });
        Fetcher fetcher = new Fetcher(config, runs, new Control(config, runs::cleanup, new Settler(broker),
                new dev.tasks.spi.runtime.HookRunner(dev.tasks.hooks.Hooks.none())));
        fetcher.start("test-fetcher");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> orders.size() >= 4);
        } finally {
            fetcher.stop();
            fetcher.join();
        }
        assertThat(orders.subList(0, 4)).containsExactly(List.of("a", "b", "c"), List.of("b", "c", "a"),
                List.of("c", "a", "b"), List.of("a", "b", "c"));
    }

    @Test
    void deliveries_that_arrive_after_the_fetcher_stopped_are_given_back_at_once() {
        publish(2);
        AtomicInteger fetches = new AtomicInteger();
        Fetcher[] fetcher = new Fetcher[1];
        Broker broker = new ForwardingBroker(memory) {
            @Override
            public List<Delivery> fetch(List<String> queues, int max, Duration lease, Duration wait) {
                List<Delivery> got = super.fetch(queues, max, lease, wait);
                if (fetches.incrementAndGet() == 1) {
                    fetcher[0].stop(); // the worker stops while this fetch is on its way
                }
                return got;
            }
        };
        WorkerConfig config = config(broker, 2, 0);
        HeldRuns runs = new HeldRuns(config, r -> { });
        fetcher[0] = new Fetcher(config, runs, new Control(config, runs::cleanup, new Settler(broker),
                new dev.tasks.spi.runtime.HookRunner(dev.tasks.hooks.Hooks.none())));
        fetcher[0].start("test-fetcher");
        fetcher[0].join();

        assertThat(fetches.get()).isEqualTo(1);
        assertThat(runs.all()).isEmpty();
        assertThat(runs.next(10, TimeUnit.MILLISECONDS)).as("nothing queued for the slots").isNull();
        assertThat(runs.places().free()).isEqualTo(2);
        assertThat(memory.fetch(List.of(QUEUE), 10, LEASE, Duration.ZERO)).as("given back, ready again").hasSize(2);
    }

    // ---------------------------------------------------------------- helpers

    private WorkerConfig config(Broker broker, int concurrency, int prefetch) {
        return Worker.builder().broker(broker).registry(TaskRegistry.builder().build()).queues(QUEUE)
                .concurrency(concurrency).prefetch(prefetch).lease(LEASE).build().config();
    }

    private void publish(int n) {
        for (int i = 0; i < n; i++) {
            memory.publish(new OutboundMessage("m" + i, QUEUE, 0, null, "{}"));
        }
    }

    /** Publishes {@code n} messages, fetches them into {@code runs} as the fetcher does, and queues them. */
    private List<Run> holdQueued(HeldRuns runs, Places places, int n) {
        publish(n);
        int taken;
        try {
            taken = places.awaitBatch(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        List<Delivery> got = memory.fetch(List.of(QUEUE), taken, LEASE, Duration.ZERO);
        places.fetched(taken, got.size());
        assertThat(got).hasSize(n);
        List<Run> held = runs.hold(got, Instant.EPOCH);
        runs.queue(held);
        return held;
    }
}
