package dev.tasks.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskState;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ControlStore;
import dev.tasks.spi.RateReservation;
import dev.tasks.spi.ResultStore.StoredResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link ControlStore} (chord counters, revocations, rate limits, concurrency slots) and of
 * {@link dev.tasks.spi.ResultStore#await}: subclass it in the broker's module and return a fresh broker
 * on the system clock from {@link #createBroker()}. Every test uses its own random ids. Takes a few
 * seconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ControlContractTest {

    protected static final Duration TTL = Duration.ofMinutes(5);

    protected Broker broker;
    protected ControlStore control;
    private String suffix;
    private ExecutorService pool;

    /** A fresh broker on the system clock, isolated from other tests; the suite closes it. */
    protected abstract Broker createBroker();

    @BeforeEach
    void openControl() {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        broker = createBroker();
        control = broker.control();
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void closeControl() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        broker.close();
    }

    private String id(String what) {
        return what + "-" + suffix;
    }

    // ------------------------------------------------------------------------------------------------ chords

    @Test
    void chord_counts_each_member_once_and_keeps_its_first_result() {
        String chord = id("chord");
        assertThat(control.chordAdd(chord, 0, "\"a\"", TTL)).isEqualTo(1);
        assertThat(control.chordAdd(chord, 2, "3", TTL)).isEqualTo(2);
        assertThat(control.chordAdd(chord, 0, "\"again\"", TTL)).isEqualTo(2);

        assertThat(control.chordResults(chord, 3)).containsExactly("\"a\"", null, "3");
        assertThat(control.chordResults(id("never"), 2)).containsExactly(null, null);
    }

    @Test
    void members_counted_from_many_threads_complete_the_chord_exactly_once() throws Exception {
        String chord = id("race");
        int size = 200;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> counts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int index = i;
            counts.add(pool.submit(() -> {
                go.await();
                return control.chordAdd(chord, index, Integer.toString(index), TTL);
            }));
        }
        go.countDown();
        int completed = 0;
        List<Integer> seen = new ArrayList<>();
        for (Future<Integer> f : counts) {
            int c = f.get(30, TimeUnit.SECONDS);
            seen.add(c);
            completed += c == size ? 1 : 0;
        }
        assertThat(completed).isEqualTo(1);
        assertThat(seen).doesNotHaveDuplicates();
        List<String> results = control.chordResults(chord, size);
        for (int i = 0; i < size; i++) {
            assertThat(results.get(i)).isEqualTo(Integer.toString(i));
        }
        assertThat(control.chordAdd(chord, 7, "7", TTL)).as("a redelivered member").isEqualTo(size);
    }

    // ------------------------------------------------------------------------------------------ revocations

    @Test
    void revoked_ids_are_reported_with_their_terminate_flag_which_only_upgrades() {
        String a = id("a");
        String b = id("b");
        control.revoke(a, false, TTL);
        control.revoke(b, true, TTL);
        control.revoke(b, false, TTL);

        assertThat(control.revoked(List.of(a, b, id("c")))).isEqualTo(Map.of(a, false, b, true));
        control.revoke(a, true, TTL);
        assertThat(control.revoked(List.of(a))).isEqualTo(Map.of(a, true));
        assertThat(control.revoked(List.of())).isEmpty();
    }

    @Test
    void revocation_is_forgotten_after_its_ttl() {
        String a = id("short");
        control.revoke(a, false, Duration.ofMillis(300));
        assertThat(control.revoked(List.of(a))).containsKey(a);
        await().atMost(Duration.ofSeconds(5)).until(() -> control.revoked(List.of(a)).isEmpty());
    }

    // ------------------------------------------------------------------------------------------- rate limits

    private static final Duration FAR = Duration.ofDays(1);

    /** The delay of a reserved slot (failing when none was reserved). */
    private Duration slot(String key, Duration interval, Duration notBefore, Duration horizon) {
        RateReservation r = control.reserveRate(key, interval, notBefore, horizon);
        assertThat(r.reserved()).as("a slot was reserved: %s", r).isTrue();
        return r.delay();
    }

    @Test
    void rate_reservations_are_spaced_by_the_interval_per_key() {
        String key = id("rate");
        Duration interval = Duration.ofSeconds(10);
        assertThat(slot(key, interval, Duration.ZERO, FAR)).isZero();
        Duration second = slot(key, interval, Duration.ZERO, FAR);
        Duration third = slot(key, interval, Duration.ZERO, FAR);
        // Bounds leave 3 s for slow round trips on a busy machine.
        assertThat(second).isBetween(Duration.ofSeconds(7), Duration.ofSeconds(10));
        assertThat(third).isBetween(Duration.ofSeconds(17), Duration.ofSeconds(20));
        assertThat(slot(id("other"), interval, Duration.ZERO, FAR)).as("another key").isZero();
    }

    @Test
    void rate_reservations_from_many_threads_never_share_a_slot() throws Exception {
        String key = id("rate-race");
        Duration interval = Duration.ofSeconds(1);
        List<Callable<RateReservation>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(() -> control.reserveRate(key, interval, Duration.ZERO, FAR));
        }
        List<Long> seconds = new ArrayList<>();
        for (Future<RateReservation> f : pool.invokeAll(calls)) {
            assertThat(f.get().reserved()).isTrue();
            seconds.add(Math.round(f.get().delay().toMillis() / 1000.0));
        }
        assertThat(seconds).doesNotHaveDuplicates();
        assertThat(seconds).allMatch(s -> s >= 0 && s < 41);
    }

    @Test
    void a_slot_is_free_again_once_its_interval_has_passed() {
        String key = id("rate-idle");
        Duration interval = Duration.ofMillis(200);
        assertThat(slot(key, interval, Duration.ZERO, FAR)).isZero();
        await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(5))
                .until(() -> control.reserveRate(key, interval, Duration.ZERO, FAR).delay().isZero());
    }

    @Test
    void a_slot_is_never_earlier_than_asked_and_unused_time_is_not_saved_up() {
        String key = id("rate-lead");
        Duration interval = Duration.ofSeconds(10);
        assertThat(slot(key, interval, Duration.ofSeconds(3), FAR)).isEqualTo(Duration.ofSeconds(3));
        assertThat(slot(key, interval, Duration.ZERO, FAR)).isBetween(Duration.ofSeconds(10),
                Duration.ofSeconds(13));
    }

    @Test
    void slots_beyond_the_horizon_are_not_reserved_and_the_refused_get_turns_one_interval_apart() {
        String key = id("rate-turns");
        Duration interval = Duration.ofSeconds(10);
        Duration horizon = Duration.ofSeconds(15);
        assertThat(slot(key, interval, Duration.ZERO, horizon)).isZero();
        assertThat(slot(key, interval, Duration.ZERO, horizon)).isBetween(Duration.ofSeconds(9),
                Duration.ofSeconds(10));
        List<Duration> turns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RateReservation r = control.reserveRate(key, interval, Duration.ZERO, horizon);
            assertThat(r.reserved()).as("slot 20 s ahead, horizon 15 s").isFalse();
            turns.add(r.delay());
        }
        // The next slot (20 s) comes within the horizon at 5 s; the turns after it are an interval apart.
        assertThat(turns.get(0)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThat(turns.get(1)).isBetween(Duration.ofSeconds(12), Duration.ofSeconds(15));
        assertThat(turns.get(2)).isBetween(Duration.ofSeconds(22), Duration.ofSeconds(25));
        assertThat(slot(key, interval, Duration.ZERO, FAR)).as("refusals reserved nothing")
                .isBetween(Duration.ofSeconds(17), Duration.ofSeconds(20));
    }

    @Test
    void a_slot_taken_while_the_limit_is_idle_ends_the_line_of_earlier_turns() {
        String key = id("rate-line");
        Duration interval = Duration.ofSeconds(2);
        assertThat(slot(key, interval, Duration.ZERO, Duration.ZERO)).isZero();
        for (int i = 0; i < 5; i++) {
            control.reserveRate(key, interval, Duration.ZERO, Duration.ZERO);
        }
        // Turns were handed out (up to 10 s ahead) to callers that never come back.
        await().pollDelay(Duration.ofMillis(2050)).atMost(Duration.ofSeconds(10))
                .until(() -> control.reserveRate(key, interval, Duration.ZERO, Duration.ZERO).reserved());
        RateReservation refused = control.reserveRate(key, interval, Duration.ZERO, Duration.ZERO);
        assertThat(refused.reserved()).isFalse();
        assertThat(refused.delay()).as("the next turn is at the next slot, not behind the abandoned turns")
                .isLessThanOrEqualTo(interval);
    }

    // ------------------------------------------------------------------------------------ concurrency slots

    @Test
    void concurrency_slots_are_limited_reentrant_and_released() {
        String name = id("slots");
        Duration lease = Duration.ofSeconds(30);
        assertThat(control.acquireSlot(name, 2, "h1", lease)).isTrue();
        assertThat(control.acquireSlot(name, 2, "h2", lease)).isTrue();
        assertThat(control.acquireSlot(name, 2, "h3", lease)).isFalse();
        assertThat(control.acquireSlot(name, 2, "h1", lease)).as("the holder again").isTrue();

        control.releaseSlot(name, "h1");
        control.releaseSlot(name, "nobody");
        assertThat(control.acquireSlot(name, 2, "h3", lease)).isTrue();
        assertThat(control.acquireSlot(name, 2, "h1", lease)).isFalse();
    }

    @Test
    void a_slot_whose_lease_ran_out_comes_back_and_renewal_keeps_it() {
        String name = id("lease");
        assertThat(control.acquireSlot(name, 1, "dead", Duration.ofMillis(300))).isTrue();
        assertThat(control.acquireSlot(name, 1, "alive", Duration.ofSeconds(30))).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> control.acquireSlot(name, 1, "alive", Duration.ofMillis(400)));

        assertThat(control.renewSlots(name, List.of("alive", "dead"), Duration.ofSeconds(30)))
                .containsExactly("dead");
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(control.acquireSlot(name, 1, "other", Duration.ofSeconds(30))).as("renewed past its first lease")
                .isFalse();
    }

    // ---------------------------------------------------------------------------------------- result waits

    @Test
    void result_await_wakes_when_a_final_result_is_stored() throws Exception {
        String task = id("task");
        broker.results().put(new StoredResult(task, "t", TaskState.STARTED, null, null, Instant.now()), TTL);
        java.util.concurrent.atomic.AtomicReference<Thread> waiter = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Optional<StoredResult>> waiting = pool.submit(() -> {
            waiter.set(Thread.currentThread());
            return broker.results().await(task, Duration.ofSeconds(20));
        });
        // The put below must wake a waiter that is already blocked.
        await().atMost(Duration.ofSeconds(5)).until(() -> waiter.get() != null
                && waiter.get().getState() == Thread.State.TIMED_WAITING);
        long t0 = System.nanoTime();
        broker.results().put(new StoredResult(task, "t", TaskState.SUCCESS, "42", null, Instant.now()), TTL);

        Optional<StoredResult> r = waiting.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3_000);
        assertThat(r).hasValueSatisfying(v -> {
            assertThat(v.state()).isEqualTo(TaskState.SUCCESS);
            assertThat(v.value()).isEqualTo("42");
        });
    }

    @Test
    void result_await_returns_a_final_result_at_once_and_the_last_one_on_timeout() {
        String done = id("done");
        broker.results().put(new StoredResult(done, "t", TaskState.FAILURE, null, "E: x", Instant.now()), TTL);
        assertThat(broker.results().await(done, Duration.ofSeconds(5))).hasValueSatisfying(
                v -> assertThat(v.state()).isEqualTo(TaskState.FAILURE));

        String running = id("running");
        broker.results().put(new StoredResult(running, "t", TaskState.STARTED, null, null, Instant.now()), TTL);
        long t0 = System.nanoTime();
        assertThat(broker.results().await(running, Duration.ofMillis(300))).hasValueSatisfying(
                v -> assertThat(v.state()).isEqualTo(TaskState.STARTED));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 5_000L);
        assertThat(broker.results().await(id("none"), Duration.ofMillis(100))).isEmpty();
    }
}
