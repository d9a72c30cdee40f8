package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tasks.ResultTimeoutException;
import dev.tasks.Signature;
import dev.tasks.TaskFailedException;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.Workflow;
import dev.tasks.WorkflowHandle;
import dev.tasks.hooks.After;
import dev.tasks.hooks.Hooks;
import dev.tasks.hooks.PublishInterceptor;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ResultStore.StoredResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workflows (chain, group, chord), results, revocation, rate and concurrency limits, run by real workers
 * against a real broker. Subclass it per broker (the class is in this module's test-jar): every call of
 * {@link #openBroker()} returns a new connection to the same backend, so workers and the client each
 * have their own, as separate processes would. Every test uses its own queue.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
public abstract class CanvasContractTest {

    protected static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final List<Broker> brokers = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    protected CanvasTasksImpl impl;
    protected TaskRegistry registry;
    protected String queue;
    protected Tasks tasks;

    /** A new connection to this test's backend; the test closes it. */
    protected abstract Broker openBroker();

    /** Drops the test's data after all its connections are closed. */
    protected void cleanUp() {}

    @BeforeEach
    void setUpCanvas() {
        impl = new CanvasTasksImpl();
        registry = TaskRegistry.builder().register(CanvasTasks.class, impl).build();
        queue = "cv-" + UUID.randomUUID().toString().substring(0, 8);
        tasks = Tasks.builder().broker(connect()).registry(registry).build();
    }

    @AfterEach
    void tearDownCanvas() {
        for (Worker w : workers) {
            w.stopNow();
        }
        tasks.close();
        for (Broker b : brokers) {
            b.close();
        }
        cleanUp();
    }

    private Broker connect() {
        Broker b = openBroker();
        brokers.add(b);
        return b;
    }

    /** Starts a worker on its own broker connection. */
    protected Worker startWorker(int concurrency) {
        return startWorker(concurrency, Hooks.none());
    }

    /** Starts a worker with hooks on its own broker connection. */
    protected Worker startWorker(int concurrency, Hooks hooks) {
        Worker w = Worker.builder().broker(connect()).registry(registry).queues(queue).concurrency(concurrency)
                .fetchWait(Duration.ofMillis(100)).lease(Duration.ofSeconds(30))
                .heartbeatInterval(Duration.ofMillis(200)).shutdownGrace(Duration.ofSeconds(2))
                .busyKeyRetryDelay(Duration.ofMillis(100)).hooks(hooks).build();
        workers.add(w);
        w.start();
        return w;
    }

    protected Signature sig(Consumer<CanvasTasks> call) {
        return tasks.signature(CanvasTasks.class, call).queue(queue);
    }

    protected Signature named(String method, Object... args) {
        return Signature.of("canvas." + method, args).queue(queue);
    }

    // ------------------------------------------------------------------------------------------ results

    @Test
    void handle_waits_for_a_typed_result_and_reports_failures_with_their_error() {
        startWorker(2);
        TaskHandle ok = tasks.send(sig(t -> t.add(2, 3)));
        TaskHandle bad = tasks.send(sig(t -> t.boom("no luck")));

        assertThat(ok.result(Integer.class, TIMEOUT)).isEqualTo(5);
        assertThat(ok.await(TIMEOUT).state()).isEqualTo(TaskState.SUCCESS);
        assertThatThrownBy(() -> bad.result(Integer.class, TIMEOUT))
                .isInstanceOfSatisfying(TaskFailedException.class, e -> {
                    assertThat(e.state()).isEqualTo(TaskState.FAILURE);
                    assertThat(e.error()).contains("IllegalStateException").contains("no luck");
                    assertThat(e.taskId()).isEqualTo(bad.id());
                });
    }

    @Test
    void waiting_for_a_task_no_worker_runs_times_out_naming_the_task_and_its_last_state() {
        TaskHandle h = tasks.send(sig(t -> t.add(1, 1)));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> h.await(Duration.ofMillis(300)))
                .isInstanceOfSatisfying(ResultTimeoutException.class, e -> {
                    assertThat(e.lastState()).isEqualTo(TaskState.PENDING);
                    assertThat(e.getMessage()).contains(h.id()).contains("canvas.add").contains("PENDING");
                });
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    void void_tasks_are_recorded_only_when_they_ask_or_belong_to_a_workflow() {
        startWorker(2);
        TaskHandle h = tasks.send(sig(t -> t.mark("x")));
        TaskHandle asks = tasks.send(sig(t -> t.block("recorded")));
        await().atMost(TIMEOUT).until(() -> asks.state() == TaskState.STARTED);
        asks.revoke(true);
        WorkflowHandle g = tasks.apply(Workflow.group(sig(t -> t.mark("a")), sig(t -> t.mark("b"))));
        assertThat(g.await(TIMEOUT).state()).isEqualTo(TaskState.SUCCESS);
        assertThat(g.await(TIMEOUT).value()).isEqualTo("[null,null]");
        await().atMost(TIMEOUT).until(() -> impl.ran.contains("x"));
        assertThat(h.record()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------- workflows

    @Test
    void chain_passes_each_result_to_the_next_step_that_asks_for_it() {
        startWorker(2);
        WorkflowHandle h = tasks.apply(Workflow.chain(sig(t -> t.add(1, 2)), named("mul", 10), named("plusOne")));

        assertThat(h.result(Integer.class, TIMEOUT)).isEqualTo(31);
        assertThat(h.tasks()).hasSize(3);
        assertThat(h.tasks()).allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.SUCCESS));
    }

    @Test
    void failure_stops_the_chain_and_is_reported_on_its_handle() {
        startWorker(2);
        WorkflowHandle h = tasks.apply(Workflow.chain(sig(t -> t.add(1, 2)), sig(t -> t.boom("step two broke")),
                named("plusOne")));

        StoredResult r = h.await(TIMEOUT);
        assertThat(r.state()).isEqualTo(TaskState.FAILURE);
        assertThat(r.error()).contains("step two broke").contains("canvas.boom");
        assertThatThrownBy(() -> h.result(Integer.class, TIMEOUT)).isInstanceOf(TaskFailedException.class);
        assertThat(impl.plusOnes).hasValue(0);
    }

    @Test
    void group_handle_completes_with_every_result_in_member_order() {
        startWorker(4);
        WorkflowHandle h = tasks.apply(Workflow.group(sig(t -> t.add(1, 1)), sig(t -> t.add(2, 2)),
                sig(t -> t.add(3, 3))));

        assertThat(h.result(new TypeReference<List<Integer>>() {}, TIMEOUT)).containsExactly(2, 4, 6);
        assertThat(h.state()).isEqualTo(TaskState.SUCCESS);
    }

    @Test
    void nested_chain_with_a_group_feeds_the_group_results_to_the_next_step() {
        startWorker(4);
        // add(1,1) = 2 -> group(mul(2,3), mul(2,5)) = [6,10] -> sum = 16 -> plusOne = 17
        WorkflowHandle h = tasks.apply(Workflow.chain(Workflow.of(sig(t -> t.add(1, 1))),
                Workflow.group(named("mul", 3), named("mul", 5)), Workflow.of(named("sum")), Workflow.of(named("plusOne"))));

        assertThat(h.result(Integer.class, TIMEOUT)).isEqualTo(17);
        assertThat(impl.sums).containsExactly(List.of(6, 10));
    }

    @Test
    void chord_of_chains_and_a_nested_chord_runs_each_callback_once() {
        startWorker(4);
        Workflow inner = Workflow.chord(Workflow.group(sig(t -> t.add(1, 0)), sig(t -> t.add(2, 0))), named("sum"));
        Workflow h = Workflow.chord(Workflow.group(Workflow.chain(sig(t -> t.add(5, 5)), named("plusOne")), inner),
                named("sum"));
        // members: chain = 11, inner chord = 3 -> outer sum = 14
        assertThat(tasks.apply(h).result(Integer.class, TIMEOUT)).isEqualTo(14);
        assertThat(impl.sums).containsExactlyInAnyOrder(List.of(1, 2), List.of(11, 3));
    }

    @Test
    void chord_member_failure_fails_the_callback_and_it_never_runs() {
        startWorker(2);
        WorkflowHandle h = tasks.apply(Workflow.chord(List.of(sig(t -> t.add(1, 1)), sig(t -> t.boom("member down"))),
                named("sum")));

        StoredResult r = h.await(TIMEOUT);
        assertThat(r.state()).isEqualTo(TaskState.FAILURE);
        assertThat(r.error()).contains("member down");
        assertThat(impl.sums).isEmpty();
    }

    @Test
    void chord_of_1000_members_across_4_workers_runs_its_callback_once_with_1000_results() {
        for (int i = 0; i < 4; i++) {
            startWorker(4);
        }
        List<Signature> members = new ArrayList<>();
        IntStream.range(0, 1000).forEach(i -> members.add(sig(t -> t.add(i, 0))));
        long t0 = System.nanoTime();
        WorkflowHandle h = tasks.apply(Workflow.chord(members, named("sum")));

        assertThat(h.result(Integer.class, Duration.ofSeconds(60))).isEqualTo(999 * 1000 / 2);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(impl.sums).hasSize(1);
        assertThat(impl.sums.get(0)).hasSize(1000).isEqualTo(IntStream.range(0, 1000).boxed().toList());
        org.slf4j.LoggerFactory.getLogger(getClass()).info("chord of 1000 members on 4 workers took {} ms", ms);
        // A late duplicate callback would show up here.
        await().pollDelay(Duration.ofMillis(300)).atMost(TIMEOUT).until(() -> true);
        assertThat(impl.sums).hasSize(1);
    }

    @Test
    void a_chord_member_delivered_twice_is_counted_once_and_the_callback_runs_once() {
        // As after a worker died between counting a member and acknowledging it: the member comes again.
        var json = dev.tasks.message.EnvelopeCodec.json();
        String chordId = "chord-" + UUID.randomUUID();
        String callbackId = "cb-" + UUID.randomUUID();
        var callback = json.mapper().createObjectNode().put("t", "task").put("id", callbackId).put("task", "canvas.sum")
                .put("queue", queue).put("parent", true);
        callback.putArray("args");
        List<dev.tasks.message.Envelope> members = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var attachment = json.mapper().createObjectNode().put("id", chordId).put("index", i).put("size", 2);
            attachment.set("callback", callback);
            members.add(dev.tasks.message.Envelope.builder("m" + i + "-" + UUID.randomUUID(), "canvas.add")
                    .args(json.encodeArgs(new Object[] {i, 10})).queue(queue).chord(attachment).storeResult(true)
                    .createdAt(java.time.Instant.now()).build());
        }
        List<dev.tasks.spi.OutboundMessage> messages = new ArrayList<>();
        for (var e : List.of(members.get(0), members.get(0), members.get(1), members.get(1))) {
            messages.add(new dev.tasks.spi.OutboundMessage(e.id(), queue, 0, null, json.encode(e)));
        }
        tasks.broker().publish(messages);
        startWorker(4);

        assertThat(tasks.handle(callbackId).result(Integer.class, TIMEOUT)).isEqualTo(21);
        await().atMost(TIMEOUT).until(() -> {
            var s = tasks.broker().stats(queue);
            return s.ready() + s.delayed() + s.inFlight() == 0;
        });
        assertThat(impl.sums).containsExactly(List.of(10, 11));
    }

    // ---------------------------------------------------------------------------------------- hooks

    @Test
    void a_header_added_around_publish_reaches_every_step_of_a_chain_and_a_chord_through_the_broker() {
        ThreadLocal<String> tenant = new ThreadLocal<>();
        List<String> published = Collections.synchronizedList(new ArrayList<>());
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        List<String> revoked = Collections.synchronizedList(new ArrayList<>());
        PublishInterceptor addTenant = p -> {
            published.add(p.taskName());
            if (tenant.get() != null) {
                p.header("tenant", tenant.get());
            }
            return After.NOTHING;
        };
        Hooks workerHooks = Hooks.builder()
                .aroundRun(r -> {
                    ran.add(r.taskName() + "=" + r.headers().get("tenant"));
                    tenant.set(r.headers().get("tenant"));
                    return failure -> tenant.remove();
                })
                .aroundPublish(addTenant)
                .listener(new TaskListener() {
                    @Override
                    public void onRevoked(TaskInfo task) {
                        revoked.add(task.taskName() + "=" + task.headers().get("tenant"));
                    }
                })
                .build();
        Tasks client = Tasks.builder().broker(connect()).registry(registry).aroundPublish(addTenant).build();
        try {
            startWorker(2, workerHooks);
            tenant.set("acme");
            // add(1,2) = 3 -> mul(3,10) = 30 -> plusOne = 31; chord(add(1,1), add(2,2)) -> sum = 6
            WorkflowHandle chain = client.apply(Workflow.chain(sig(t -> t.add(1, 2)), named("mul", 10), named("plusOne")));
            WorkflowHandle chord = client.apply(Workflow.chord(Workflow.group(sig(t -> t.add(1, 1)),
                    sig(t -> t.add(2, 2))), named("sum")));
            TaskHandle revokedOne = client.send(sig(t -> t.mark("never")).countdown(Duration.ofMillis(300)));
            revokedOne.revoke();
            tenant.remove();

            assertThat(chain.result(Integer.class, TIMEOUT)).isEqualTo(31);
            assertThat(chord.result(Integer.class, TIMEOUT)).isEqualTo(6);
            await().atMost(TIMEOUT).until(() -> revoked.size() == 1);
            assertThat(ran).containsExactlyInAnyOrder("canvas.add=acme", "canvas.mul=acme", "canvas.plusOne=acme",
                    "canvas.add=acme", "canvas.add=acme", "canvas.sum=acme");
            // Once per task published: 3 by the client at apply/send time, 4 by workers starting next steps.
            assertThat(published).hasSize(7).containsOnly("canvas.add", "canvas.mul", "canvas.plusOne", "canvas.sum",
                    "canvas.mark");
            assertThat(revoked).containsExactly("canvas.mark=acme");
            assertThat(impl.ran).doesNotContain("never");
        } finally {
            client.close();
        }
    }

    // ---------------------------------------------------------------------------------------- revocation

    @Test
    void revoked_queued_and_delayed_tasks_never_start_even_when_no_worker_was_up() {
        TaskHandle queued = tasks.send(sig(t -> t.mark("queued")));
        TaskHandle delayed = tasks.send(sig(t -> t.mark("delayed")).countdown(Duration.ofMillis(300)));
        queued.revoke();
        delayed.revoke();
        assertThat(queued.state()).isEqualTo(TaskState.REVOKED);

        startWorker(2);
        TaskHandle after = tasks.send(sig(t -> t.add(1, 1)));
        assertThat(after.result(Integer.class, TIMEOUT)).isEqualTo(2);
        await().atMost(TIMEOUT).until(() -> {
            var s = tasks.broker().stats(queue);
            return s.ready() + s.delayed() + s.inFlight() == 0;
        });
        assertThat(impl.ran).doesNotContain("queued", "delayed");
        assertThat(delayed.await(TIMEOUT).state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void revoke_with_terminate_interrupts_a_running_task_and_records_it_revoked() {
        startWorker(1);
        TaskHandle h = tasks.send(sig(t -> t.block("long")));
        await().atMost(TIMEOUT).until(() -> impl.ran.contains("long"));

        h.revoke(true);

        await().atMost(TIMEOUT).until(() -> impl.interrupted.contains("long"));
        assertThat(h.await(TIMEOUT).state()).isEqualTo(TaskState.REVOKED);
        TaskHandle next = tasks.send(sig(t -> t.add(2, 2)));
        assertThat(next.result(Integer.class, TIMEOUT)).isEqualTo(4);
    }

    // --------------------------------------------------------------------------------------------- limits

    @Test
    void rate_limit_holds_across_two_workers_without_blocking_other_tasks() {
        startWorker(4);
        startWorker(4);
        int n = 24; // 20/s: at least 23 intervals of 50 ms between the first and the last start
        List<Signature> calls = new ArrayList<>();
        IntStream.range(0, n).forEach(i -> calls.add(sig(t -> t.limited("l" + i))));
        tasks.sendAll(calls);
        long t0 = System.nanoTime();
        TaskHandle other = tasks.send(sig(t -> t.add(4, 4)));
        assertThat(other.result(Integer.class, TIMEOUT)).isEqualTo(8);
        long otherMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        await().atMost(TIMEOUT).until(() -> impl.starts.getOrDefault("limited", List.of()).size() == n);
        List<Long> starts = impl.starts.get("limited").stream().sorted().toList();
        long spanMs = TimeUnit.NANOSECONDS.toMillis(starts.get(n - 1) - starts.get(0));
        assertThat(spanMs).as("span of %s starts at 20/s", n).isGreaterThanOrEqualTo((n - 1) * 50L * 85 / 100);
        assertThat(otherMs).as("an unlimited task behind the limited ones").isLessThan(spanMs);
    }

    /**
     * The other half of the limit's promise: while enough work is queued and the workers have threads to
     * spare, runs go at the limit, not below it. 80 runs at 20/s over two workers: the span from the first
     * start to the last is at most 79 intervals / 95 % (judged only when a probe saw CPU to spare), and no
     * sliding second holds more than 21 starts.
     */
    @Test
    void rate_limited_runs_go_at_the_limit_while_work_is_queued() throws InterruptedException {
        startWorker(4);
        startWorker(4);
        int n = 80;
        CpuProbe probe = CpuProbe.start();
        List<Signature> calls = new ArrayList<>();
        IntStream.range(0, n).forEach(i -> calls.add(sig(t -> t.limited("q" + i))));
        tasks.sendAll(calls);

        await().atMost(TIMEOUT).until(() -> impl.starts.getOrDefault("limited", List.of()).size() == n);
        List<Long> starts = impl.starts.get("limited").stream().sorted().toList();
        double spanMs = (starts.get(n - 1) - starts.get(0)) / 1e6;
        double rate = (n - 1) * 1000.0 / spanMs;
        int worst = 0;
        for (int i = 0, j = 0; i < n; i++) {
            while (j < n && starts.get(j) - starts.get(i) < TimeUnit.SECONDS.toNanos(1)) {
                j++;
            }
            worst = Math.max(worst, j - i);
        }
        CpuProbe.Result cpu = probe.stop();
        System.out.printf("%s: %d runs at 20/s in %.0f ms: %.2f/s, worst sliding second %d; CPU: %s%n",
                getClass().getSimpleName(), n, spanMs, rate, worst, cpu);
        assertThat(worst).as("most starts in a sliding second at 20/s").isLessThanOrEqualTo(21);
        // The rate is promised while the workers have CPU to spare; a starved machine costs rate, not the limit.
        Assumptions.assumeTrue(cpu.spare(), () -> "no CPU to spare during the run, so the rate is not judged: " + cpu);
        assertThat(rate).as("runs a second at 20/s with %s runs queued (span %.0f ms; %s)", n, spanMs, cpu)
                .isGreaterThanOrEqualTo(20 * 0.95);
    }

    @Test
    void rate_limit_per_key_limits_each_customer_separately() {
        startWorker(4);
        startWorker(4);
        List<Signature> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int k = i;
            calls.add(sig(t -> t.perCustomer("alice", k)));
            calls.add(sig(t -> t.perCustomer("bob", k)));
        }
        tasks.sendAll(calls);

        await().atMost(TIMEOUT).until(() -> impl.starts.getOrDefault("alice", List.of()).size() == 10
                && impl.starts.getOrDefault("bob", List.of()).size() == 10);
        for (String c : List.of("alice", "bob")) {
            List<Long> s = impl.starts.get(c).stream().sorted().toList();
            assertThat(TimeUnit.NANOSECONDS.toMillis(s.get(9) - s.get(0))).as(c).isGreaterThanOrEqualTo(9 * 50L * 85 / 100);
        }
        long firstAlice = impl.starts.get("alice").stream().min(Long::compare).orElseThrow();
        long firstBob = impl.starts.get("bob").stream().min(Long::compare).orElseThrow();
        assertThat(TimeUnit.NANOSECONDS.toMillis(Math.abs(firstAlice - firstBob))).as("bob does not wait for alice")
                .isLessThan(300);
    }

    @Test
    void concurrency_limit_holds_across_two_workers() {
        startWorker(4);
        startWorker(4);
        List<Signature> calls = new ArrayList<>();
        IntStream.range(0, 12).forEach(i -> calls.add(sig(t -> t.exclusive("e" + i))));
        List<TaskHandle> hs = new ArrayList<>();
        for (Signature s : calls) {
            hs.add(tasks.send(s));
        }
        await().atMost(TIMEOUT).until(() -> {
            var st = tasks.broker().stats(queue);
            return st.ready() + st.delayed() + st.inFlight() == 0 && impl.inExclusive.get() == 0;
        });
        assertThat(impl.maxExclusive.get()).isBetween(1, 2);
    }
}
