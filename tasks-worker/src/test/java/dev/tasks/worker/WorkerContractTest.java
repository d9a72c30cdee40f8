package dev.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.TaskRegistry;
import dev.tasks.TaskState;
import dev.tasks.hooks.After;
import dev.tasks.hooks.Running;
import dev.tasks.hooks.TaskInfo;
import dev.tasks.hooks.TaskListener;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.ResultStore.StoredResult;
import dev.tasks.tck.SimulatedWork;
import dev.tasks.worker.internal.DefaultWorker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/**
 * The worker's behaviour against a real broker. Subclass it per broker (the class is in this module's
 * test-jar) and implement {@link #createBroker()}; every test uses its own queue, so subclasses may share
 * one backend between tests.
 */
public abstract class WorkerContractTest {

    protected static final Duration TIMEOUT = Duration.ofSeconds(20);

    protected Broker broker;
    protected Recorder rec;
    protected TaskRegistry registry;
    protected String queue;
    protected SimpleMeterRegistry meters;
    private final List<Worker> workers = new ArrayList<>();
    private final EnvelopeCodec codec = EnvelopeCodec.json();

    /** A broker for one test; closed after it by {@link #closeBroker}. */
    protected abstract Broker createBroker();

    /**
     * Settings (as in {@code tasks.properties}: {@code tasks.broker.url}, broker options) with which another
     * JVM reaches this test's broker and data; empty when the broker is private to this JVM, which skips
     * {@link #a_worker_process_stopped_by_sigterm_finishes_its_task_and_loses_nothing}.
     */
    protected Map<String, String> settingsForOtherProcesses() {
        return Map.of();
    }

    /** Closes the test's broker (override to also drop the test's data). */
    protected void closeBroker(Broker broker) {
        broker.close();
    }

    @BeforeEach
    void setUpWorkerContract() {
        broker = createBroker();
        rec = new Recorder();
        registry = TaskRegistry.builder().register(WorkerTestTasks.class, new WorkerTestTasksImpl(rec)).build();
        queue = "wt-" + UUID.randomUUID().toString().substring(0, 8);
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void tearDownWorkerContract() {
        rec.spinning = false;
        for (Worker w : workers) {
            w.stopNow();
        }
        closeBroker(broker);
    }

    // ------------------------------------------------------------------ helpers

    protected Worker.Builder workerBuilder() {
        return Worker.builder().broker(broker).registry(registry).queues(queue).concurrency(2)
                .fetchWait(Duration.ofMillis(50)).meterRegistry(meters).shutdownGrace(Duration.ofSeconds(5))
                .busyKeyRetryDelay(Duration.ofMillis(20));
    }

    protected Worker start(Worker.Builder builder) {
        Worker w = builder.build();
        workers.add(w);
        w.start();
        return w;
    }

    protected Envelope.Builder envelope(String task, Object... args) {
        return Envelope.builder(UUID.randomUUID().toString(), task).args(codec.encodeArgs(args)).queue(queue)
                .createdAt(Instant.now());
    }

    protected String enqueue(String task, Object... args) {
        return publish(envelope(task, args).build());
    }

    protected String publish(Envelope e) {
        broker.publish(new OutboundMessage(e.id(), queue, e.priority(), null, codec.encode(e)));
        return e.id();
    }

    protected void awaitQueueDrained() {
        await().atMost(TIMEOUT).untilAsserted(() -> {
            QueueStats s = broker.stats(queue);
            assertThat(s.ready() + s.delayed() + s.inFlight()).as("ready+delayed+in-flight of %s", s).isZero();
        });
    }

    protected double counter(String name, String task) {
        Counter c = meters.find(name).tag("task", task).tag("queue", queue).counter();
        return c == null ? 0 : c.count();
    }

    protected List<DeadLetter> awaitDeadLetters(int n) {
        await().atMost(TIMEOUT).until(() -> broker.deadLetters(queue, 100).size() >= n);
        return broker.deadLetters(queue, 100);
    }

    protected Optional<StoredResult> result(String id) {
        return broker.results().get(id);
    }

    // ------------------------------------------------------------------ success and results

    @Test
    void runs_a_task_and_acknowledges_it() {
        start(workerBuilder());
        enqueue("wt.record", "a");
        await().atMost(TIMEOUT).until(() -> rec.count("a") == 1);
        awaitQueueDrained();
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.record") == 1);
        assertThat(counter("tasks.received", "wt.record")).isEqualTo(1);
        assertThat(meters.find("tasks.run").tag("task", "wt.record").timer().count()).isEqualTo(1);
        assertThat(meters.find("tasks.queue.wait").tag("task", "wt.record").timer()).isNotNull();
    }

    @Test
    void stores_the_json_result_of_a_task_that_returns_a_value() {
        start(workerBuilder());
        String id = enqueue("wt.add", 2, 3);
        await().atMost(TIMEOUT).until(() -> result(id).map(r -> r.state() == TaskState.SUCCESS).orElse(false));
        StoredResult r = result(id).orElseThrow();
        assertThat(r.value()).isEqualTo("5");
        assertThat(r.taskName()).isEqualTo("wt.add");
    }

    @Test
    void names_slot_threads_after_the_queue() {
        start(workerBuilder().concurrency(3));
        enqueue("wt.threadName", "t");
        await().atMost(TIMEOUT).until(() -> !rec.events().isEmpty());
        assertThat(rec.events().get(0)).matches("t:tasks-worker-" + queue + "-\\d+:platform");
    }

    // ------------------------------------------------------------------ retries

    @Test
    void retries_a_failing_task_with_backoff_until_it_succeeds() {
        start(workerBuilder());
        String id = enqueue("wt.flaky", "f", 2);
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.flaky") == 1);
        assertThat(rec.count("f")).isEqualTo(3);
        assertThat(rec.events()).containsExactly("f:attempt=0", "f:attempt=1", "f:attempt=2");
        assertThat(counter("tasks.retried", "wt.flaky")).isEqualTo(2);
        assertThat(counter("tasks.failed", "wt.flaky")).isEqualTo(2);
        awaitQueueDrained();
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
        assertThat(id).isNotNull();
    }

    @Test
    void hooks_see_each_run_retry_dead_letter_and_expiry_once_and_throwing_listeners_break_nothing() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        TaskListener throwing = new TaskListener() {
            @Override public void onRetry(Running run, Throwable cause, Duration delay) { throw new IllegalStateException("listener"); }
            @Override public void onDeadLetter(TaskInfo task, String reason) { throw new IllegalStateException("listener"); }
            @Override public void onExpired(TaskInfo task) { throw new IllegalStateException("listener"); }
            @Override public void onWorkerStarted(String workerId) { throw new IllegalStateException("listener"); }
        };
        TaskListener recording = new TaskListener() {
            @Override
            public void onRetry(Running run, Throwable cause, Duration delay) {
                events.add("retry " + run.taskName() + " " + run.attempt() + " mdc=" + MDC.get("tenant"));
            }

            @Override
            public void onDeadLetter(TaskInfo task, String reason) {
                events.add("dead " + task.taskName() + " mdc=" + MDC.get("tenant"));
            }

            @Override public void onExpired(TaskInfo task) { events.add("expired " + task.taskName()); }
            @Override public void onWorkerStarted(String workerId) { events.add("started"); }
            @Override public void onWorkerStopped(String workerId) { events.add("stopped"); }
        };
        Worker w = start(workerBuilder().concurrency(1).listener(throwing).listener(recording)
                .aroundRun(run -> {
                    events.add("run " + run.taskName() + " " + run.attempt() + " tenant=" + run.headers().get("tenant"));
                    MDC.put("tenant", run.headers().get("tenant"));
                    return failure -> {
                        MDC.remove("tenant");
                        events.add("after " + run.taskName() + " " + (failure == null ? "ok" : failure.getMessage()));
                    };
                })
                .aroundRun(run -> failure -> {
                    throw new IllegalStateException("an inner After that throws");
                }));
        publish(envelope("wt.flaky", "f", 2).headers(Map.of("tenant", "acme")).build());
        publish(envelope("wt.alwaysFails", "x").headers(Map.of("tenant", "globex")).build());
        publish(envelope("wt.record", "late").expires(Instant.now().minusSeconds(1)).build());

        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.flaky") == 1
                && broker.deadLetters(queue, 10).size() == 1 && counter("tasks.expired", "wt.record") == 1);
        awaitQueueDrained();
        w.stop(Duration.ofSeconds(5));

        assertThat(events.stream().filter(e -> e.startsWith("run "))).containsExactlyInAnyOrder(
                "run wt.flaky 0 tenant=acme", "run wt.flaky 1 tenant=acme", "run wt.flaky 2 tenant=acme",
                "run wt.alwaysFails 0 tenant=globex", "run wt.alwaysFails 1 tenant=globex",
                "run wt.alwaysFails 2 tenant=globex");
        assertThat(events.stream().filter(e -> e.startsWith("retry "))).containsExactlyInAnyOrder(
                "retry wt.flaky 0 mdc=acme", "retry wt.flaky 1 mdc=acme", "retry wt.alwaysFails 0 mdc=globex",
                "retry wt.alwaysFails 1 mdc=globex");
        assertThat(events.stream().filter(e -> e.startsWith("dead "))).containsExactly("dead wt.alwaysFails mdc=globex");
        assertThat(events.stream().filter(e -> e.startsWith("expired "))).containsExactly("expired wt.record");
        assertThat(events.stream().filter(e -> e.startsWith("after wt.flaky"))).containsExactly(
                "after wt.flaky flaky failure 1", "after wt.flaky flaky failure 2", "after wt.flaky ok");
        assertThat(events.stream().filter(e -> e.equals("started") || e.equals("stopped")))
                .containsExactly("started", "stopped");
        // Each run's After follows its retry or dead letter: the interceptor's context is still set for them.
        assertThat(events.indexOf("retry wt.flaky 0 mdc=acme")).isLessThan(events.indexOf("after wt.flaky flaky failure 1"));
        assertThat(rec.count("f")).isEqualTo(3);
        assertThat(rec.count("x")).isEqualTo(3);
        assertThat(hookFailures("onRetry")).isEqualTo(4);
        assertThat(hookFailures("onDeadLetter")).isEqualTo(1);
        assertThat(hookFailures("onExpired")).isEqualTo(1);
        assertThat(hookFailures("onWorkerStarted")).isEqualTo(1);
        assertThat(hookFailures("after")).isEqualTo(6);
    }

    @Test
    void a_run_interceptor_that_throws_before_the_task_fails_that_run_and_the_retry_policy_handles_it() {
        List<String> afters = Collections.synchronizedList(new ArrayList<>());
        start(workerBuilder()
                .aroundRun(run -> failure -> afters.add(run.attempt() + ":" + (failure == null ? "ok" : failure.getMessage())))
                .aroundRun(run -> {
                    if (run.attempt() == 0) {
                        throw new IllegalStateException("refused by interceptor");
                    }
                    return After.NOTHING;
                }));
        enqueue("wt.flaky", "g", 0);
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.flaky") == 1);
        assertThat(rec.events()).containsExactly("g:attempt=1");
        assertThat(counter("tasks.retried", "wt.flaky")).isEqualTo(1);
        assertThat(afters).containsExactly("0:refused by interceptor", "1:ok");
    }

    private double hookFailures(String kind) {
        Counter c = meters.find("tasks.hook.failures").tag("kind", kind).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void retries_when_the_task_asks_with_a_countdown() {
        start(workerBuilder());
        enqueue("wt.retryWithCountdown", "r", 2, 30L);
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.retryWithCountdown") == 1);
        assertThat(rec.events()).containsExactly("r:attempt=0:left=3", "r:attempt=1:left=2", "r:attempt=2:left=1");
        assertThat(counter("tasks.retried", "wt.retryWithCountdown")).isEqualTo(2);
        assertThat(counter("tasks.failed", "wt.retryWithCountdown")).isZero();
    }

    @Test
    void dead_letters_a_task_when_its_requested_retries_run_out() {
        start(workerBuilder());
        enqueue("wt.retryWithCountdown", "r", 10, 1L);
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(rec.count("r")).isEqualTo(4);
        assertThat(d.reason()).contains("retries exhausted after 4 attempt(s)").contains("retry requested");
    }

    @Test
    void dead_letters_a_task_with_the_failure_when_retries_are_exhausted() {
        start(workerBuilder());
        String id = enqueue("wt.alwaysFails", "x");
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(rec.count("x")).isEqualTo(3);
        assertThat(d.messageId()).isEqualTo(id);
        assertThat(d.reason())
                .contains("retries exhausted after 3 attempt(s)")
                .contains("java.lang.IllegalStateException: boom x")
                .contains("at dev.tasks.worker.WorkerTestTasksImpl.alwaysFails")
                .doesNotContain("\n");
        Envelope last = EnvelopeCodec.json().decode(d.payload());
        assertThat(last.attempt()).isEqualTo(2);
        await().atMost(TIMEOUT).until(() -> result(id).map(r -> r.state() == TaskState.FAILURE).orElse(false));
        assertThat(result(id).orElseThrow().error()).isEqualTo("java.lang.IllegalStateException: boom x");
        assertThat(meters.find("tasks.dead.lettered").tag("reason", "retries_exhausted").counter().count()).isEqualTo(1);
        awaitQueueDrained();
    }

    @Test
    void dead_letters_at_once_an_exception_the_policy_does_not_retry() {
        start(workerBuilder());
        enqueue("wt.notRetryable", "n");
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(rec.count("n")).isEqualTo(1);
        assertThat(d.reason()).contains("does not retry").contains("IllegalArgumentException: bad input n");
    }

    @Test
    void lets_the_envelope_max_retries_override_the_task_setting() {
        start(workerBuilder());
        publish(envelope("wt.alwaysFails", "o").maxRetries(0).build());
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(rec.count("o")).isEqualTo(1);
        assertThat(d.reason()).contains("after 1 attempt(s) (maxRetries 0)");
    }

    // ------------------------------------------------------------------ time limits

    @Test
    void soft_time_limit_interrupts_a_task_that_cleans_up_and_rethrows_and_fails_it() {
        start(workerBuilder());
        enqueue("wt.softLimitReraise", "s");
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(rec.events()).containsExactly("s:interrupted:soft=true");
        assertThat(d.reason()).contains("SoftTimeLimitExceeded: gave up: s");
    }

    @Test
    void a_task_that_catches_its_soft_time_limit_and_returns_succeeds() {
        start(workerBuilder());
        enqueue("wt.softLimitCatch", "c");
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.softLimitCatch") == 1);
        assertThat(rec.events()).containsExactly("c:cleaned-up:soft=true");
        awaitQueueDrained();
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    void hard_time_limit_abandons_a_spinning_task_and_replaces_its_slot() {
        Worker w = start(workerBuilder().concurrency(1).prefetch(0).maxStuckThreads(5));
        String id = enqueue("wt.spin", "spin");
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.messageId()).isEqualTo(id);
        assertThat(d.reason()).contains("TimeLimitExceeded").contains("hard time limit of PT0.3S");
        assertThat(w.stuckThreads()).isEqualTo(1);
        assertThat(rec.count("spin")).isEqualTo(1);
        Gauge stuck = meters.find("tasks.stuck.threads").gauge();
        assertThat(stuck.value()).isEqualTo(1);

        // the single slot was replaced: a new task still runs while the old thread spins
        enqueue("wt.record", "after");
        await().atMost(TIMEOUT).until(() -> rec.count("after") == 1);
        assertThat(w.state()).isEqualTo(WorkerState.RUNNING);

        rec.spinning = false;
        await().atMost(TIMEOUT).until(() -> w.stuckThreads() == 0);
        assertThat(rec.events()).contains("spin:spin-ended");
        assertThat(broker.deadLetters(queue, 10)).hasSize(1);
    }

    @Test
    void stops_itself_when_more_threads_are_stuck_than_allowed() {
        Worker w = start(workerBuilder().concurrency(1).maxStuckThreads(0));
        enqueue("wt.spin", "spin");
        assertThat(w.awaitTermination(TIMEOUT)).isTrue();
        assertThat(w.termination()).contains(Termination.TOO_MANY_STUCK_THREADS);
        assertThat(w.stuckThreads()).isEqualTo(1);
        assertThat(awaitDeadLetters(1).get(0).reason()).contains("TimeLimitExceeded");
    }

    // ------------------------------------------------------------------ idempotency, expiry, unknown, bad input

    @Test
    void runs_once_when_many_copies_with_one_idempotency_key_arrive_at_once() {
        start(workerBuilder().concurrency(8));
        List<OutboundMessage> copies = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Envelope e = envelope("wt.slow", "once", 100L).idempotencyKey("key-once").build();
            copies.add(new OutboundMessage(e.id(), queue, e.priority(), null, codec.encode(e)));
        }
        broker.publish(copies);
        awaitQueueDrained();
        assertThat(rec.count("once")).isEqualTo(1);
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
        assertThat(counter("tasks.succeeded", "wt.slow")).isEqualTo(1);
    }

    @Test
    void drops_an_expired_task_without_running_it() {
        start(workerBuilder());
        String id = publish(envelope("wt.record", "late").expires(Instant.now().minusSeconds(1)).build());
        await().atMost(TIMEOUT).until(() -> counter("tasks.expired", "wt.record") == 1);
        awaitQueueDrained();
        assertThat(rec.count("late")).isZero();
        assertThat(result(id).orElseThrow().state()).isEqualTo(TaskState.EXPIRED);
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    void offers_a_task_of_unknown_name_again_during_the_grace_period_then_dead_letters_it() {
        start(workerBuilder().unknownTaskGrace(Duration.ofMillis(400)).unknownTaskRetryDelay(Duration.ofMillis(50)));
        String id = enqueue("wt.notDeployedYet", 1);
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.messageId()).isEqualTo(id);
        assertThat(d.reason()).contains("unknown task 'wt.notDeployedYet'").contains("grace PT0.4S");
        Envelope e = EnvelopeCodec.json().decode(d.payload());
        assertThat(e.headers()).containsKey(DefaultWorker.UNKNOWN_SINCE_HEADER);
        assertThat(e.attempt()).isZero();
        assertThat(counter("tasks.received", "unknown")).isGreaterThan(1);
    }

    @Test
    void dead_letters_a_malformed_payload_at_once_keeping_it_as_it_was() {
        start(workerBuilder());
        broker.publish(new OutboundMessage("raw-1", queue, 0, null, "{not json"));
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.payload()).isEqualTo("{not json");
        assertThat(d.reason()).contains("malformed");
        awaitQueueDrained();
    }

    @Test
    void dead_letters_a_message_over_the_worker_size_limit_unread_with_its_size() {
        start(workerBuilder().maxMessageBytes(1_000));
        Envelope big = envelope("wt.add", 1, 2).headers(Map.of("pad", "x".repeat(2_000))).build();
        String payload = codec.encode(big);
        broker.publish(new OutboundMessage(big.id(), queue, 0, null, payload));
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.reason()).contains("size must be at most 1000 bytes (the worker's maxMessageBytes), was "
                + EnvelopeCodec.sizeOf(payload) + " bytes");
        assertThat(d.payload()).isEqualTo(payload);
        awaitQueueDrained();
    }

    @Test
    void dead_letters_a_message_breaking_the_wire_format_naming_the_field_and_the_rule() {
        start(workerBuilder());
        Envelope e = envelope("wt.add", 1, 2).build();
        String payload = codec.encode(e).replace("\"priority\":0", "\"priority\":99");
        broker.publish(new OutboundMessage(e.id(), queue, 0, null, payload));
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.reason()).startsWith("malformed task message: priority must be 0-9, was 99");
        assertThat(d.payload()).isEqualTo(payload);
        awaitQueueDrained();
    }

    @Test
    void dead_letters_a_task_whose_arguments_do_not_match_at_once() {
        start(workerBuilder());
        String id = enqueue("wt.add", "two", 3);
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.reason()).contains("argument 0 (a) must be int");
        assertThat(rec.count("add")).isZero();
        assertThat(result(id).orElseThrow().state()).isEqualTo(TaskState.FAILURE);
    }

    @Test
    void dead_letters_a_message_delivered_more_often_than_allowed_as_poison() {
        enqueue("wt.record", "poison");
        // two earlier deliveries that never finished (release keeps the delivery count)
        for (int i = 0; i < 2; i++) {
            List<Delivery> got = broker.fetch(List.of(queue), 1, Duration.ofMinutes(1), Duration.ofSeconds(1));
            assertThat(got).hasSize(1);
            broker.release(got);
        }
        start(workerBuilder().maxDeliveries(2));
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.reason()).contains("delivered 3 times (max 2)");
        assertThat(rec.count("poison")).isZero();
    }

    @Test
    void acknowledges_early_a_task_that_asks_for_it() {
        start(workerBuilder());
        enqueue("wt.early", "e");
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.early") == 1);
        assertThat(rec.count("e")).isEqualTo(1);
        awaitQueueDrained();
    }

    // ------------------------------------------------------------------ leases and shutdown

    @Test
    void a_finished_task_keeps_its_lease_while_its_acknowledgement_is_slow() {
        java.util.concurrent.CountDownLatch letAcksThrough = new java.util.concurrent.CountDownLatch(1);
        Broker slowAcks = new dev.tasks.spi.ForwardingBroker(broker) {
            @Override
            public void ack(java.util.Collection<Delivery> deliveries) {
                try {
                    letAcksThrough.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.ack(deliveries);
            }
        };
        start(workerBuilder().broker(slowAcks).lease(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(200)));
        try {
            enqueue("wt.record", "slow-ack");
            await().atMost(TIMEOUT).until(() -> rec.count("slow-ack") == 1);
            // Three leases go by while its ack waits: the heartbeat keeps the finished task leased, so it is
            // not delivered (and run) again.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> rec.count("slow-ack") == 1);
        } finally {
            letAcksThrough.countDown();
        }
        awaitQueueDrained();
        assertThat(rec.count("slow-ack")).isEqualTo(1);
    }

    @Test
    void a_finished_task_whose_acknowledgement_fails_for_a_while_runs_once_and_is_acknowledged_when_the_broker_answers() {
        java.util.concurrent.atomic.AtomicBoolean acksFail = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger failedAcks = new java.util.concurrent.atomic.AtomicInteger();
        Broker flakyAcks = new dev.tasks.spi.ForwardingBroker(broker) {
            @Override
            public void ack(java.util.Collection<Delivery> deliveries) {
                if (acksFail.get()) {
                    failedAcks.incrementAndGet();
                    throw new dev.tasks.BrokerException("connection lost (test)");
                }
                super.ack(deliveries);
            }
        };
        start(workerBuilder().broker(flakyAcks).lease(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(200)));
        try {
            enqueue("wt.record", "failing-ack");
            await().atMost(TIMEOUT).until(() -> rec.count("failing-ack") == 1);
            // Three leases go by while every ack fails: the acker keeps sending it, the heartbeat keeps the
            // finished task leased, so it is not delivered (and run) again.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> rec.count("failing-ack") == 1);
            assertThat(failedAcks.get()).isGreaterThanOrEqualTo(3);
        } finally {
            acksFail.set(false);
        }
        awaitQueueDrained();
        await().atMost(TIMEOUT).until(() -> counter("tasks.succeeded", "wt.record") == 1);
        assertThat(rec.count("failing-ack")).isEqualTo(1);
    }

    @Test
    void a_retry_that_fails_with_a_broker_error_is_sent_again_at_once_not_after_the_lease() {
        AtomicInteger failedRetries = new AtomicInteger();
        Broker flakyRetries = new dev.tasks.spi.ForwardingBroker(broker) {
            @Override
            public void retry(Delivery delivery, String newPayload, Duration delay) {
                if (failedRetries.get() < 3) {
                    failedRetries.incrementAndGet();
                    throw new dev.tasks.BrokerException("connection lost (test)");
                }
                super.retry(delivery, newPayload, delay);
            }
        };
        // A lease far longer than the wait: a retry left for redelivery would only come back after it.
        start(workerBuilder().broker(flakyRetries).lease(Duration.ofSeconds(60)).heartbeatInterval(Duration.ofSeconds(5)));
        enqueue("wt.flaky", "settle-retry", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("tasks.succeeded", "wt.flaky") == 1);
        assertThat(failedRetries.get()).isEqualTo(3);
        assertThat(rec.events()).containsExactly("settle-retry:attempt=0", "settle-retry:attempt=1");
        awaitQueueDrained();
    }

    @Test
    void a_dead_letter_that_fails_with_a_broker_error_is_sent_again_while_the_task_stays_leased() {
        java.util.concurrent.atomic.AtomicBoolean deadLettersFail = new java.util.concurrent.atomic.AtomicBoolean(true);
        AtomicInteger failedDeadLetters = new AtomicInteger();
        Broker flakyDeadLetters = new dev.tasks.spi.ForwardingBroker(broker) {
            @Override
            public void deadLetter(Delivery delivery, String reason) {
                if (deadLettersFail.get()) {
                    failedDeadLetters.incrementAndGet();
                    throw new dev.tasks.BrokerException("connection lost (test)");
                }
                super.deadLetter(delivery, reason);
            }
        };
        start(workerBuilder().broker(flakyDeadLetters).lease(Duration.ofSeconds(1))
                .heartbeatInterval(Duration.ofMillis(200)));
        try {
            enqueue("wt.notRetryable", "settle-dl");
            await().atMost(TIMEOUT).until(() -> failedDeadLetters.get() >= 1);
            // Two leases go by while every dead letter fails: the worker keeps sending it and the heartbeat
            // keeps the task leased, so it is not delivered (and run) again.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> rec.count("settle-dl") == 1);
            assertThat(failedDeadLetters.get()).isGreaterThanOrEqualTo(3);
        } finally {
            deadLettersFail.set(false);
        }
        DeadLetter d = awaitDeadLetters(1).get(0);
        assertThat(d.reason()).contains("IllegalArgumentException: bad input settle-dl");
        assertThat(rec.count("settle-dl")).isEqualTo(1);
        awaitQueueDrained();
    }

    @Test
    void a_failed_lease_heartbeat_is_retried_soon_so_a_long_task_keeps_its_lease_and_runs_once() {
        java.util.concurrent.atomic.AtomicInteger toFail = new java.util.concurrent.atomic.AtomicInteger(3);
        Broker flakyExtensions = new dev.tasks.spi.ForwardingBroker(broker) {
            @Override
            public java.util.Set<String> extendLeases(java.util.Collection<Delivery> deliveries, Duration lease) {
                if (toFail.getAndDecrement() > 0) {
                    throw new dev.tasks.BrokerException("connection lost (test)");
                }
                return super.extendLeases(deliveries, lease);
            }
        };
        // Three failed beats in a row at the regular pace (0.6, 1.2, 1.8 s) would let the 2 s lease run out;
        // retried after 0.1, 0.2 and 0.4 s, the lease is extended at ~1.3 s.
        start(workerBuilder().broker(flakyExtensions).concurrency(2).lease(Duration.ofSeconds(2))
                .heartbeatInterval(Duration.ofMillis(600)));
        enqueue("wt.slow", "flaky-beat", 3000L);
        await().atMost(TIMEOUT).until(() -> rec.count("flaky-beat") == 1);
        awaitQueueDrained();
        assertThat(toFail.get()).isNegative();
        assertThat(rec.events()).containsExactly("flaky-beat:started", "flaky-beat:finished");
    }

    @Test
    void extends_the_lease_of_a_task_that_runs_longer_than_the_lease() {
        start(workerBuilder().concurrency(2).lease(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(200)));
        enqueue("wt.slow", "long", 2500L);
        await().atMost(TIMEOUT).until(() -> rec.count("long") == 1);
        awaitQueueDrained();
        assertThat(rec.events()).containsExactly("long:started", "long:finished");
    }

    @Test
    void warm_shutdown_gives_back_prefetched_tasks_at_once_and_lets_the_running_one_finish() throws Exception {
        Worker w = start(workerBuilder().concurrency(1).prefetch(5));
        String running = "running-" + queue;
        SimulatedWork.hold(running);
        enqueue("wt.slow", running, 60_000L);
        await().atMost(TIMEOUT).until(() -> rec.events().contains(running + ":started"));
        for (int i = 0; i < 5; i++) {
            enqueue("wt.record", "waiting-" + i);
        }
        await().atMost(TIMEOUT).until(() -> broker.stats(queue).inFlight() == 6);
        Thread stopper = new Thread(() -> w.stop(Duration.ofSeconds(30)), "test-warm-stop");
        stopper.start();
        // The prefetched tasks go back at once, while the running one still runs.
        await().atMost(TIMEOUT).until(() -> broker.stats(queue).ready() == 5);
        assertThat(w.state()).isEqualTo(WorkerState.STOPPING);
        assertThat(rec.events()).doesNotContain(running + ":finished");
        SimulatedWork.open(running);
        stopper.join(TIMEOUT.toMillis());
        assertThat(stopper.isAlive()).isFalse();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.termination()).contains(Termination.STOPPED);
        assertThat(rec.events()).contains(running + ":finished");
        QueueStats s = broker.stats(queue);
        assertThat(s.ready()).isEqualTo(5);
        assertThat(s.inFlight()).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(rec.count("waiting-" + i)).isZero();
        }
    }

    @Test
    void cold_shutdown_gives_back_the_running_task_at_once() {
        Worker w = start(workerBuilder().concurrency(1));
        enqueue("wt.slow", "cut", 10_000L);
        await().atMost(TIMEOUT).until(() -> rec.events().contains("cut:started"));
        long t0 = System.nanoTime();
        w.stop(Duration.ZERO);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        QueueStats s = broker.stats(queue);
        assertThat(s.ready()).isEqualTo(1);
        assertThat(s.inFlight()).isZero();
        assertThat(rec.count("cut")).isZero();
    }

    @Test
    void a_cold_stop_cuts_short_a_warm_stop_in_progress_on_another_thread() throws Exception {
        Worker w = start(workerBuilder().concurrency(1));
        enqueue("wt.slow", "held", 30_000L);
        await().atMost(TIMEOUT).until(() -> rec.events().contains("held:started"));
        Thread warm = new Thread(() -> w.stop(Duration.ofMinutes(1)), "test-warm-stop");
        warm.start();
        await().atMost(TIMEOUT).until(() -> w.state() == WorkerState.STOPPING);
        w.stopNow();
        warm.join(TIMEOUT.toMillis());
        assertThat(warm.isAlive()).isFalse();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(broker.stats(queue).ready()).isEqualTo(1);
    }

    @Test
    void a_worker_process_stopped_by_sigterm_finishes_its_task_and_loses_nothing(@TempDir Path dir) throws Exception {
        Map<String, String> settings = settingsForOtherProcesses();
        Assumptions.assumeFalse(settings.isEmpty(), "the broker is private to this JVM");
        Properties props = new Properties();
        props.putAll(settings);
        Path config = dir.resolve("tasks.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            props.store(w, null);
        }
        List<OutboundMessage> messages = new ArrayList<>();
        Envelope slow = envelope("cli.work", "slow", 1500L).priority(9).build();
        messages.add(new OutboundMessage(slow.id(), queue, 9, null, codec.encode(slow)));
        for (int i = 0; i < 5; i++) {
            Envelope e = envelope("cli.work", "quick-" + i, 0L).build();
            messages.add(new OutboundMessage(e.id(), queue, 0, null, codec.encode(e)));
        }
        broker.publish(messages);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("worker.log");
        Process p = new ProcessBuilder(java, "-cp", classpath, "-Dtasks.test.dir=" + dir,
                WorkerProcessMain.class.getName(), config.toString(), queue)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("slow.started")) || !p.isAlive());
            assertThat(p.isAlive()).as("worker process is running; log:%n%s", Files.readString(log)).isTrue();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("worker exited; log:%n%s", Files.readString(log)).isTrue();
            // 128 + 15: the JVM's own end after SIGTERM, once the shutdown hook has stopped the worker (the
            // tasks worker command exits 0 instead: WorkerProcessTest in tasks-cli).
            assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(143);
        } finally {
            p.destroyForcibly();
        }
        assertThat(dir.resolve("slow.finished")).exists();
        long quickDone = 0;
        for (int i = 0; i < 5; i++) {
            if (Files.exists(dir.resolve("quick-" + i + ".finished"))) {
                quickDone++;
            }
        }
        QueueStats s = broker.stats(queue);
        assertThat(s.inFlight()).as("%s", s).isZero();
        assertThat(s.ready() + quickDone).as("quick tasks run (%s) + given back (%s)", quickDone, s).isEqualTo(5);
        assertThat(broker.deadLetters(queue, 10)).isEmpty();
    }

    @Test
    void start_and_stop_are_safe_to_call_twice_and_a_stopped_worker_cannot_restart() {
        Worker w = start(workerBuilder());
        w.start();
        w.stop(Duration.ofSeconds(1));
        w.stop(Duration.ofSeconds(1));
        w.close();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("TERMINATED");
    }

    // ------------------------------------------------------------------ throughput and metrics

    @Test
    void runs_two_thousand_tasks_on_eight_threads_each_exactly_once() {
        int n = 2000;
        List<OutboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Envelope e = envelope("wt.record", "m" + i).build();
            batch.add(new OutboundMessage(e.id(), queue, 0, null, codec.encode(e)));
            if (batch.size() == 500) {
                broker.publish(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            broker.publish(batch);
        }
        start(workerBuilder().concurrency(8).prefetch(16));
        await().atMost(Duration.ofSeconds(60)).until(() -> counter("tasks.succeeded", "wt.record") == n);
        awaitQueueDrained();
        Map<String, AtomicInteger> counts = rec.counts();
        assertThat(counts).hasSize(n);
        assertThat(counts.values()).allMatch(c -> c.get() == 1);
        assertThat(counter("tasks.received", "wt.record")).isEqualTo(n);
        assertThat(counter("tasks.retried", "wt.record")).isZero();
    }

    @Test
    void publishes_in_flight_and_queue_depth_gauges() {
        start(workerBuilder().statsInterval(Duration.ofMillis(100)));
        await().atMost(TIMEOUT).until(() -> meters.find("tasks.queue.depth").tag("queue", queue).tag("state", "ready")
                .gauge() != null);
        assertThat(meters.find("tasks.in.flight").gauge()).isNotNull();
        assertThat(meters.find("tasks.queue.depth").tag("queue", queue).gauges()).hasSize(4);
    }
}
