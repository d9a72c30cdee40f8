package dev.tasks.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.Workflow;
import dev.tasks.WorkflowHandle;
import dev.tasks.hooks.Hooks;
import dev.tasks.spi.Broker;
import dev.tasks.tx.TransactionalDataSource;
import dev.tasks.worker.Worker;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing through a real broker: a client and a worker on their own connections, spans collected by the
 * SDK's in-memory exporter. Subclassed per broker.
 */
abstract class TracingContractTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final List<Broker> brokers = new ArrayList<>();
    private InMemorySpanExporter spans;
    private OpenTelemetrySdk otel;
    private Tasks tasks;
    private Worker worker;
    private String queue;

    /** A new connection to this test's backend. */
    protected abstract Broker openBroker();

    /** The expected {@code messaging.system}. */
    protected abstract String messagingSystem();

    /** Where {@code delayOnCommit} transactions run: by default a private H2 database (after-commit publish). */
    protected DataSource applicationDatabase() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:app" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    /** Drops the test's data after its connections are closed. */
    protected void cleanUp() {}

    @BeforeEach
    void setUpTracing() {
        spans = InMemorySpanExporter.create();
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        queue = "ot-" + UUID.randomUUID().toString().substring(0, 8);
        Broker clientBroker = connect();
        TasksTracing tracing = TasksTracing.builder(otel).messagingSystem(clientBroker).build();
        assertThat(tracing.messagingSystem()).isEqualTo(messagingSystem());
        Hooks hooks = tracing.hooks();
        TaskRegistry registry = TaskRegistry.builder().register(TracedTasks.class, new TracedTasksImpl()).build();
        tasks = Tasks.builder().broker(clientBroker).registry(registry).hooks(hooks).build();
        worker = Worker.builder().broker(connect()).registry(registry).queues(queue).concurrency(2)
                .fetchWait(Duration.ofMillis(50)).heartbeatInterval(Duration.ofMillis(500))
                .shutdownGrace(Duration.ofSeconds(2)).hooks(hooks).build();
        worker.start();
    }

    @AfterEach
    void tearDownTracing() {
        worker.stopNow();
        tasks.close();
        for (Broker b : brokers) {
            b.close();
        }
        otel.close();
        cleanUp();
    }

    private Broker connect() {
        Broker b = openBroker();
        brokers.add(b);
        return b;
    }

    private Signature sig(Consumer<TracedTasks> call) {
        return tasks.signature(TracedTasks.class, call).queue(queue);
    }

    private Signature named(String method, Object... args) {
        return Signature.of("traced." + method, args).queue(queue);
    }

    // -------------------------------------------------------------------------------------------- tests

    @Test
    void a_run_is_a_consumer_span_whose_parent_is_the_producer_span_of_its_publish_under_the_callers_span() {
        Span request = otel.getTracer("test").spanBuilder("request").startSpan();
        TaskHandle h;
        try (Scope ignored = request.makeCurrent()) {
            h = tasks.send(sig(t -> t.add(2, 3)));
        } finally {
            request.end();
        }
        assertThat(h.result(Integer.class, TIMEOUT)).isEqualTo(5);
        List<SpanData> all = awaitSpans(3);

        SpanData send = only(all, SpanKind.PRODUCER);
        SpanData process = only(all, SpanKind.CONSUMER);
        assertPublishedAndRunUnder(request, send, process);
        assertThat(send.getName()).isEqualTo("send " + queue);
        assertThat(process.getName()).isEqualTo("process " + queue);
        assertThat(send.getAttributes().asMap()).containsEntry(TasksTracing.MESSAGING_SYSTEM, messagingSystem())
                .containsEntry(TasksTracing.DESTINATION, queue).containsEntry(TasksTracing.OPERATION, "publish")
                .containsEntry(TasksTracing.MESSAGE_ID, h.id()).containsEntry(TasksTracing.TASK_NAME, "traced.add");
        assertThat(process.getAttributes().asMap()).containsEntry(TasksTracing.MESSAGING_SYSTEM, messagingSystem())
                .containsEntry(TasksTracing.DESTINATION, queue).containsEntry(TasksTracing.OPERATION, "process")
                .containsEntry(TasksTracing.MESSAGE_ID, h.id()).containsEntry(TasksTracing.ATTEMPT, 0L);
        assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void each_retry_is_a_new_consumer_span_of_the_same_trace_under_the_same_producer_span() {
        TaskHandle h = tasks.send(sig(t -> t.flaky("f", 2)));
        List<SpanData> all = awaitSpans(4);

        SpanData send = only(all, SpanKind.PRODUCER);
        List<SpanData> runs = all.stream().filter(s -> s.getKind() == SpanKind.CONSUMER)
                .sorted(Comparator.comparing(s -> s.getAttributes().get(TasksTracing.ATTEMPT))).toList();
        assertThat(runs).extracting(s -> s.getAttributes().get(TasksTracing.ATTEMPT)).containsExactly(0L, 1L, 2L);
        assertThat(runs).allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(send.getTraceId());
            assertThat(s.getParentSpanId()).isEqualTo(send.getSpanId());
            assertThat(s.getAttributes().get(TasksTracing.MESSAGE_ID)).isEqualTo(h.id());
        });
        assertThat(runs).extracting(s -> s.getStatus().getStatusCode())
                .containsExactly(StatusCode.ERROR, StatusCode.ERROR, StatusCode.UNSET);
        assertThat(runs.get(0).getEvents()).extracting(e -> e.getName()).contains("exception", "tasks.retry");
        assertThat(runs.get(2).getEvents()).isEmpty();
    }

    @Test
    void delay_on_commit_is_traced_from_the_callers_span_once_the_transaction_commits() throws Exception {
        TransactionalDataSource ds = new TransactionalDataSource(applicationDatabase());
        Span request = otel.getTracer("test").spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent(); Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            tasks.delayOnCommit(TracedTasks.class, t -> t.add(1, 1), dev.tasks.EnqueueOptions.defaults().queue(queue));
            c.commit();
        } finally {
            request.end();
        }
        List<SpanData> all = awaitSpans(3);
        assertPublishedAndRunUnder(request, only(all, SpanKind.PRODUCER), only(all, SpanKind.CONSUMER));
    }

    @Test
    void every_step_of_a_chain_is_published_from_inside_the_step_before_it_in_one_trace() {
        // add(1,2) = 3 -> mul(3,10) = 30 -> mul(30,2) = 60
        WorkflowHandle h = tasks.apply(Workflow.chain(sig(t -> t.add(1, 2)), named("mul", 10), named("mul", 2)));
        assertThat(h.result(Integer.class, TIMEOUT)).isEqualTo(60);
        List<SpanData> all = awaitSpans(6);

        assertThat(all).extracting(SpanData::getTraceId).containsOnly(all.get(0).getTraceId());
        assertThat(tree(all)).containsExactly(
                "send traced.add",
                "  process traced.add",
                "    send traced.mul",
                "      process traced.mul",
                "        send traced.mul",
                "          process traced.mul");
    }

    @Test
    void a_chords_callback_runs_in_the_same_trace_under_the_member_that_completed_the_chord() {
        Span request = otel.getTracer("test").spanBuilder("request").startSpan();
        WorkflowHandle h;
        try (Scope ignored = request.makeCurrent()) {
            h = tasks.apply(Workflow.chord(Workflow.group(sig(t -> t.add(1, 1)), sig(t -> t.add(2, 2)),
                    sig(t -> t.add(3, 3))), named("sum")));
        } finally {
            request.end();
        }
        assertThat(h.result(Integer.class, TIMEOUT)).isEqualTo(12);
        List<SpanData> all = awaitSpans(9);

        assertThat(all).extracting(SpanData::getTraceId).containsOnly(request.getSpanContext().getTraceId());
        SpanData callback = all.stream().filter(s -> s.getKind() == SpanKind.CONSUMER
                && "traced.sum".equals(s.getAttributes().get(TasksTracing.TASK_NAME))).findFirst().orElseThrow();
        SpanData callbackSend = byId(all, callback.getParentSpanId());
        SpanData completingMember = byId(all, callbackSend.getParentSpanId());
        assertThat(callbackSend.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(completingMember.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(completingMember.getAttributes().get(TasksTracing.TASK_NAME)).isEqualTo("traced.add");
        List<String> tree = tree(all).stream().map(String::trim).toList();
        System.out.println("chord trace on " + messagingSystem() + " (span id <- parent id):\n"
                + String.join("\n", treeWithIds(all)));
        assertThat(tree).hasSize(9).containsOnlyOnce("process traced.sum", "request");
        assertThat(tree.stream().filter(l -> l.equals("process traced.add"))).hasSize(3);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private List<SpanData> awaitSpans(int n) {
        await().atMost(TIMEOUT).until(() -> spans.getFinishedSpanItems().size() >= n);
        // No more than n: give a stray span the time to show up, without sleeping, by stopping the worker.
        worker.stop(Duration.ofSeconds(5));
        List<SpanData> all = spans.getFinishedSpanItems();
        assertThat(all).as("spans: %s", names(all)).hasSize(n);
        return all;
    }

    private static void assertPublishedAndRunUnder(Span request, SpanData send, SpanData process) {
        assertThat(send.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(send.getSpanId());
        assertThat(process.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
    }

    private static SpanData only(List<SpanData> all, SpanKind kind) {
        List<SpanData> of = all.stream().filter(s -> s.getKind() == kind).toList();
        assertThat(of).as("%s spans", kind).hasSize(1);
        return of.get(0);
    }

    private static SpanData byId(List<SpanData> all, String id) {
        return all.stream().filter(s -> s.getSpanId().equals(id)).findFirst().orElseThrow(
                () -> new AssertionError("no span " + id + " among " + names(all)));
    }

    private static String label(SpanData s) {
        String task = s.getAttributes().get(TasksTracing.TASK_NAME);
        return task == null ? s.getName() : s.getName().split(" ")[0] + " " + task;
    }

    private static List<String> names(List<SpanData> all) {
        return all.stream().map(TracingContractTest::label).toList();
    }

    /** The spans as an indented tree, children in start order. */
    private static List<String> tree(List<SpanData> all) {
        List<String> out = new ArrayList<>();
        walk(all, false, out);
        return out;
    }

    private static List<String> treeWithIds(List<SpanData> all) {
        List<String> out = new ArrayList<>();
        walk(all, true, out);
        return out;
    }

    private static void walk(List<SpanData> all, boolean ids, List<String> out) {
        Map<String, List<SpanData>> children = all.stream().sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .collect(Collectors.groupingBy(SpanData::getParentSpanId, java.util.LinkedHashMap::new, Collectors.toList()));
        java.util.Set<String> present = all.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        all.stream().filter(s -> !present.contains(s.getParentSpanId()))
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
                .forEach(root -> walk(root, 0, children, ids, out));
    }

    private static void walk(SpanData s, int depth, Map<String, List<SpanData>> children, boolean ids, List<String> out) {
        out.add("  ".repeat(depth) + label(s) + (ids ? "  [" + s.getSpanId() + " <- " + s.getParentSpanId() + "]" : ""));
        for (SpanData c : children.getOrDefault(s.getSpanId(), List.of())) {
            walk(c, depth + 1, children, ids, out);
        }
    }
}
