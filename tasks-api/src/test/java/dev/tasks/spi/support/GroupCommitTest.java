package dev.tasks.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.BrokerException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void a_lone_request_is_sent_at_once_and_alone() {
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            batches.add(List.copyOf(b));
            return Collections.nCopies(b.size(), null);
        }, 100);

        gc.submit("a", 1);

        assertThat(batches).containsExactly(List.of("a"));
    }

    @Test
    void requests_arriving_while_a_batch_is_in_flight_go_out_together_in_the_next_one() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            batches.add(List.copyOf(b));
            if (b.contains("first")) {
                firstSent.countDown();
                await(releaseFirst);
            }
            return Collections.nCopies(b.size(), null);
        }, 100);
        Future<?> first = pool.submit(() -> gc.submit("first", 1));
        assertThat(firstSent.await(5, TimeUnit.SECONDS)).isTrue();
        List<Future<?>> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String r = "r" + i;
            later.add(pool.submit(() -> gc.submit(r, 1)));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> later.stream().noneMatch(Future::isDone) && waiting(gc) == 5);
        releaseFirst.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (Future<?> f : later) {
            f.get(5, TimeUnit.SECONDS);
        }

        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
    }

    @Test
    void a_failed_request_fails_only_its_own_caller() throws Exception {
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            List<RuntimeException> out = new ArrayList<>();
            for (String r : b) {
                out.add(r.startsWith("bad") ? new BrokerException("no room for " + r) : null);
            }
            return out;
        }, 100);

        gc.submit("good", 1);
        assertThatThrownBy(() -> gc.submit("bad-1", 1)).isInstanceOf(BrokerException.class).hasMessageContaining("bad-1");
    }

    @Test
    void a_failed_round_trip_fails_every_request_of_that_batch_and_no_other() throws Exception {
        CountDownLatch firstSent = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            if (b.contains("first")) {
                firstSent.countDown();
                await(releaseFirst);
                return Collections.nCopies(b.size(), null);
            }
            throw new BrokerException("connection lost while sending " + b);
        }, 100);
        Future<?> first = pool.submit(() -> gc.submit("first", 1));
        assertThat(firstSent.await(5, TimeUnit.SECONDS)).isTrue();
        Future<?> a = pool.submit(() -> gc.submit("a", 1));
        Future<?> b = pool.submit(() -> gc.submit("b", 1));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> waiting(gc) == 2);
        releaseFirst.countDown();

        first.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> a.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(BrokerException.class);
        assertThatThrownBy(() -> b.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(BrokerException.class);
    }

    @Test
    void a_batch_stops_at_the_weight_limit_but_always_takes_one_request() {
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            batches.add(List.copyOf(b));
            return Collections.nCopies(b.size(), null);
        }, 10);

        gc.submit("huge", 50);

        assertThat(batches).containsExactly(List.of("huge"));
    }

    @Test
    void sixteen_threads_of_2000_requests_each_are_sent_exactly_once_one_batch_at_a_time_despite_spurious_wake_ups()
            throws Exception {
        int threads = 16;
        int per = 2_000;
        java.util.concurrent.ConcurrentHashMap<String, Integer> sent = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger overweight = new java.util.concurrent.atomic.AtomicInteger();
        GroupCommit<String> gc = new GroupCommit<>(b -> {
            if (inFlight.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            if (b.size() > 8) {
                overweight.incrementAndGet();
            }
            for (String r : b) {
                sent.merge(r, 1, Integer::sum);
            }
            Thread.yield();
            inFlight.decrementAndGet();
            List<RuntimeException> out = new ArrayList<>(b.size());
            for (String r : b) {
                out.add(r.endsWith("7") ? new BrokerException("refused " + r) : null);
            }
            return out;
        }, 8);
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        List<Thread> callerThreads = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        // Wakes every caller now and then: a woken caller whose request is in someone's batch must wait on.
        Thread chaos = new Thread(() -> {
            while (running.get()) {
                synchronized (callerThreads) {
                    callerThreads.forEach(java.util.concurrent.locks.LockSupport::unpark);
                }
                Thread.yield();
            }
        });
        try {
            java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(callers.submit(() -> {
                    callerThreads.add(Thread.currentThread());
                    for (int i = 0; i < per; i++) {
                        String r = id + "-" + i;
                        try {
                            gc.submit(r, 1);
                        } catch (BrokerException e) {
                            assertThat(e).hasMessage("refused " + r);
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            chaos.start();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(sent).hasSize(threads * per);
            assertThat(sent.values()).containsOnly(1);
            assertThat(failures.get()).isEqualTo(threads * per / 10);
            assertThat(overlaps.get()).as("batches in flight at once").isZero();
            assertThat(overweight.get()).as("batches over the weight limit").isZero();
            assertThat(gc.queued()).isZero();
        } finally {
            running.set(false);
            callers.shutdownNow();
            chaos.join(5_000);
        }
    }

    private static int waiting(GroupCommit<String> gc) {
        return gc.queued();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
