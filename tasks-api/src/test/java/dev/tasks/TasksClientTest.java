package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.fixtures.ShopTasks.AnalyticsTasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.TransactionContext;
import dev.tasks.spi.TransactionalPublisher;
import dev.tasks.tx.TransactionalDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TasksClientTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Tasks tasks = Tasks.builder().broker(broker).declare(OrderTasks.class, AnalyticsTasks.class).build();

    @AfterEach
    void tearDown() {
        tasks.close();
        broker.close();
    }

    private List<Envelope> drain(String queue) {
        List<Envelope> out = new ArrayList<>();
        List<Delivery> batch;
        while (!(batch = broker.fetch(List.of(queue), 100, LEASE, Duration.ZERO)).isEmpty()) {
            for (Delivery d : batch) {
                out.add(codec.decode(d.payload()));
            }
            broker.ack(batch);
        }
        return out;
    }

    @Test
    void delay_publishes_a_typed_call_to_the_module_queue() {
        TaskHandle h = tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(42L));

        assertThat(h.taskName()).isEqualTo("orders.sendOrderConfirmation");
        assertThat(h.queue()).isEqualTo("orders");
        List<Envelope> sent = drain("orders");
        assertThat(sent).hasSize(1);
        Envelope e = sent.get(0);
        assertThat(e.id()).isEqualTo(h.id());
        assertThat(e.task()).isEqualTo("orders.sendOrderConfirmation");
        assertThat(e.args().toString()).isEqualTo("[42]");
        assertThat(e.attempt()).isZero();
        assertThat(e.createdAt()).isNotNull();
        assertThat(h.state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void undeclared_interfaces_work_too() {
        try (Tasks bare = Tasks.builder().broker(broker).build()) {
            bare.delay(AnalyticsTasks.class, t -> t.track("signup"));
        }
        assertThat(drain("default")).extracting(Envelope::task).containsExactly("analytics.track");
    }

    @Test
    void routing_rules_and_call_options_pick_the_queue() {
        try (Tasks routed = Tasks.builder().broker(broker).declare(AnalyticsTasks.class)
                .routes(Routes.parse("analytics.*=analytics_low_priority")).build()) {
            routed.delay(AnalyticsTasks.class, t -> t.track("a"));
            routed.delay(AnalyticsTasks.class, t -> t.track("b"), EnqueueOptions.defaults().queue("urgent"));
        }
        assertThat(drain("analytics_low_priority")).hasSize(1);
        assertThat(drain("urgent")).hasSize(1);
    }

    @Test
    void options_are_carried_in_the_envelope() {
        Instant eta = Instant.now().plus(Duration.ofHours(1));
        tasks.send(Signature.of("orders.sendOrderConfirmation", 7L)
                .eta(eta).expires(Duration.ofHours(2)).priority(9).idempotencyKey("confirm-7")
                .header("trace", "t-1"));
        assertThat(drain("orders")).isEmpty();
        assertThat(broker.stats("orders").delayed()).isEqualTo(1);
    }

    @Test
    void countdown_delays_delivery_and_sets_eta() {
        Clock fixed = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        InMemoryBroker b = new InMemoryBroker(fixed);
        try (Tasks t = Tasks.builder().broker(b).clock(fixed).declare(OrderTasks.class).build()) {
            t.delay(OrderTasks.class, o -> o.sendOrderConfirmation(1L),
                    EnqueueOptions.defaults().countdown(Duration.ofSeconds(30)).priority(5).header("h", "v"));
            assertThat(b.fetch(List.of("orders"), 10, LEASE, Duration.ZERO)).isEmpty();
            assertThat(b.stats("orders").delayed()).isEqualTo(1);
        } finally {
            b.close();
        }
    }

    @Test
    void expiring_before_the_eta_is_refused() {
        assertThatThrownBy(() -> tasks.send(Signature.of("orders.sendOrderConfirmation", 1L)
                .countdown(Duration.ofMinutes(10)).expires(Duration.ofMinutes(5))))
                .isInstanceOf(EnqueueException.class)
                .hasMessageContaining("would expire");
        assertThat(broker.stats("orders").delayed() + broker.stats("orders").ready()).isZero();
    }

    @Test
    void task_default_expiry_and_priority_apply() {
        tasks.delay(OrderTasks.class, t -> t.archive(List.of(1L, 2L)));
        Envelope e = drain("archive").get(0);
        assertThat(e.priority()).isEqualTo(7);
        assertThat(e.expires()).isAfter(e.createdAt());
        assertThat(Duration.between(e.createdAt(), e.expires())).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void signatures_are_checked_against_the_method_types_and_nothing_is_published_on_error() {
        assertThatThrownBy(() -> tasks.send(Signature.of("orders.sendOrderConfirmation", "not a number")))
                .isInstanceOf(ArgumentMismatchException.class)
                .hasMessageContaining("argument 0 (orderId) must be long");
        assertThatThrownBy(() -> tasks.send(Signature.of("orders.sendOrderConfirmation")))
                .isInstanceOf(ArgumentMismatchException.class)
                .hasMessageContaining("takes 1 argument(s)");
        assertThat(broker.stats("orders").ready()).isZero();
    }

    @Test
    void aliases_resolve_to_the_current_name() {
        tasks.send(Signature.of("orders.chargeCardV1", 1L, new BigDecimal("9.99")));
        assertThat(drain("orders")).extracting(Envelope::task).containsExactly("orders.chargeCard");
    }

    @Test
    void unknown_task_names_are_sent_unchecked_for_other_services() {
        TaskHandle h = tasks.send(Signature.of("billing.refund", 5, "x"));
        assertThat(h.queue()).isEqualTo("default");
        assertThat(drain("default")).extracting(Envelope::task).containsExactly("billing.refund");
    }

    @Test
    void oversized_payloads_are_refused_with_size_and_limit() {
        try (Tasks small = Tasks.builder().broker(broker).maxPayloadBytes(2048).build()) {
            String big = "x".repeat(4096);
            assertThatThrownBy(() -> small.delay(AnalyticsTasks.class, t -> t.track(big)))
                    .isInstanceOf(PayloadTooLargeException.class)
                    .hasMessageContaining("over the limit of 2048 bytes")
                    .satisfies(e -> assertThat(((PayloadTooLargeException) e).size()).isGreaterThan(4096));
        }
        assertThat(broker.stats("default").ready()).isZero();
    }

    static final class SelfReferencing {
        public SelfReferencing self = this;
    }

    @Test
    void arguments_that_cannot_be_encoded_are_refused() {
        assertThatThrownBy(() -> tasks.send(Signature.of("x.y", new SelfReferencing())))
                .isInstanceOf(EnqueueException.class)
                .hasMessageContaining("cannot be encoded as JSON");
    }

    @Test
    void the_lambda_must_call_exactly_one_task_method() {
        assertThatThrownBy(() -> tasks.delay(OrderTasks.class, t -> {}))
                .isInstanceOf(EnqueueException.class)
                .hasMessageContaining("must call exactly one task method, it called 0");
        assertThatThrownBy(() -> tasks.delay(OrderTasks.class, t -> {
            t.sendOrderConfirmation(1);
            t.sendOrderConfirmation(2);
        })).hasMessageContaining("it called 2");
    }

    @Test
    void argument_idempotency_gives_equal_calls_equal_keys() {
        tasks.delay(OrderTasks.class, t -> t.chargeCard(1L, new BigDecimal("10.00")));
        tasks.delay(OrderTasks.class, t -> t.chargeCard(1L, new BigDecimal("10.00")));
        tasks.delay(OrderTasks.class, t -> t.chargeCard(2L, new BigDecimal("10.00")));
        List<Envelope> sent = drain("orders");
        assertThat(sent).hasSize(3);
        assertThat(sent.get(0).idempotencyKey()).startsWith("orders.chargeCard:").isEqualTo(sent.get(1).idempotencyKey());
        assertThat(sent.get(2).idempotencyKey()).isNotEqualTo(sent.get(0).idempotencyKey());
    }

    @Test
    void batch_publishes_all_or_validates_all_first() {
        List<Signature> batch = IntStream.range(0, 500)
                .mapToObj(i -> Signature.of("orders.sendOrderConfirmation", (long) i)).toList();
        List<TaskHandle> handles = tasks.sendAll(batch);
        assertThat(handles).hasSize(500).doesNotHaveDuplicates();
        assertThat(drain("orders")).hasSize(500);

        List<Signature> bad = new ArrayList<>(batch.subList(0, 10));
        bad.add(Signature.of("orders.sendOrderConfirmation", "oops"));
        assertThatThrownBy(() -> tasks.sendAll(bad)).isInstanceOf(ArgumentMismatchException.class);
        assertThat(broker.stats("orders").ready()).isZero();
    }

    @Test
    void signature_captures_a_typed_call() {
        Signature s = tasks.signature(OrderTasks.class, t -> t.sendOrderConfirmation(3L));
        assertThat(s.taskName()).isEqualTo("orders.sendOrderConfirmation");
        assertThat(s.args()).containsExactly(3L);
    }

    @Test
    void a_signature_captured_from_an_undeclared_interface_keeps_its_task_settings() {
        try (Tasks bare = Tasks.builder().broker(broker).build()) {
            Signature s = bare.signature(OrderTasks.class, t -> t.archive(List.of(1L)));
            TaskHandle h = bare.send(s);
            assertThat(h.queue()).isEqualTo("archive");
        }
        assertThat(drain("archive").get(0).priority()).isEqualTo(7);
    }

    @Test
    void task_ids_are_unique_and_time_ordered() {
        List<String> ids = IntStream.range(0, 1000)
                .mapToObj(i -> tasks.send(Signature.of("x.y")).id()).toList();
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(ids.get(0).substring(0, 8).compareTo(ids.get(999).substring(0, 8))).isLessThanOrEqualTo(0);
    }

    @Test
    void tasks_enqueued_from_a_running_task_record_their_parent() {
        dev.tasks.spi.runtime.TaskContextHolder.set(new FixedContext("parent-1"));
        try {
            tasks.delay(AnalyticsTasks.class, t -> t.track("child"));
        } finally {
            dev.tasks.spi.runtime.TaskContextHolder.clear();
        }
        assertThat(drain("default").get(0).parentId()).isEqualTo("parent-1");
    }

    // ---- delayOnCommit ------------------------------------------------------------------------------

    private static TransactionalDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:client" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        return new TransactionalDataSource(h2);
    }

    @Test
    void delay_on_commit_publishes_after_commit_in_call_order() throws Exception {
        TransactionalDataSource ds = h2();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            for (long i = 1; i <= 3; i++) {
                long id = i;
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(id));
            }
            assertThat(broker.stats("orders").ready()).isZero();
            c.commit();
        }
        assertThat(drain("orders")).extracting(e -> e.args().get(0).asLong()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void delay_on_commit_drops_the_task_on_rollback() throws Exception {
        TransactionalDataSource ds = h2();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(1L));
            c.rollback();
        }
        assertThat(broker.stats("orders").ready()).isZero();
    }

    @Test
    void delay_on_commit_without_a_transaction_publishes_at_once() {
        tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(1L));
        assertThat(drain("orders")).hasSize(1);
    }

    @Test
    void delay_on_commit_validates_inside_the_transaction() throws Exception {
        TransactionalDataSource ds = h2();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> tasks.sendOnCommit(Signature.of("orders.sendOrderConfirmation", "x")))
                    .isInstanceOf(ArgumentMismatchException.class);
            c.commit();
        }
        assertThat(broker.stats("orders").ready()).isZero();
    }

    @Test
    void a_failed_publish_after_commit_does_not_stop_the_next_ones() throws Exception {
        Broker flaky = (Broker) Proxy.newProxyInstance(Broker.class.getClassLoader(), new Class<?>[] {Broker.class},
                (p, m, args) -> {
                    if (m.getName().equals("publish") && args[0] instanceof List<?> l
                            && ((OutboundMessage) l.get(0)).payload().contains("\"args\":[2]")) {
                        throw new BrokerException("connection refused");
                    }
                    try {
                        return m.invoke(broker, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        TransactionalDataSource ds = h2();
        try (Tasks t = Tasks.builder().broker(flaky).declare(OrderTasks.class).build();
                Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            for (long i = 1; i <= 3; i++) {
                long id = i;
                t.delayOnCommit(OrderTasks.class, o -> o.sendOrderConfirmation(id));
            }
            c.commit();
        }
        assertThat(drain("orders")).extracting(e -> e.args().get(0).asLong()).containsExactly(1L, 3L);
    }

    @Test
    void a_transactional_publisher_writes_inside_the_transaction() throws Exception {
        List<OutboundMessage> written = new CopyOnWriteArrayList<>();
        List<Connection> via = new CopyOnWriteArrayList<>();
        TransactionalPublisher outbox = (TransactionContext tx, List<OutboundMessage> msgs) -> {
            via.add(tx.connection().orElseThrow());
            written.addAll(msgs);
            return true;
        };
        TransactionalDataSource ds = h2();
        try (Tasks t = Tasks.builder().broker(broker).transactionalPublisher(outbox).declare(OrderTasks.class).build();
                Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            TaskHandle h = t.delayOnCommit(OrderTasks.class, o -> o.sendOrderConfirmation(9L));
            assertThat(written).extracting(OutboundMessage::id).containsExactly(h.id());
            assertThat(via).containsExactly(c);
            c.commit();
        }
        assertThat(broker.stats("orders").ready()).isZero();
    }

    // ---- eager mode ---------------------------------------------------------------------------------

    @TaskModule("calc")
    public interface Calc {
        @Task
        int add(int a, int b);

        @Task
        void fail(String why);
    }

    @Test
    void eager_mode_runs_tasks_in_the_calling_thread() {
        Calc impl = new Calc() {
            @Override
            public int add(int a, int b) {
                assertThat(TaskContext.current().taskName()).isEqualTo("calc.add");
                return a + b;
            }

            @Override
            public void fail(String why) {
                throw new IllegalStateException(why);
            }
        };
        try (Tasks eager = Tasks.builder().eager(true)
                .registry(TaskRegistry.builder().register(Calc.class, impl).build()).build()) {
            TaskHandle h = eager.delay(Calc.class, c -> c.add(2, 3));
            assertThat(h.state()).isEqualTo(TaskState.SUCCESS);
            assertThat(h.record().orElseThrow().value()).isEqualTo("5");
            assertThatThrownBy(() -> eager.delay(Calc.class, c -> c.fail("no")))
                    .isInstanceOf(TasksException.class)
                    .hasMessageContaining("failed in eager mode");
        }
    }

    @Test
    void a_client_needs_a_broker() {
        assertThatThrownBy(() -> Tasks.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("broker");
        assertThatThrownBy(() -> Tasks.builder().brokerUrl("nosuch://x").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no broker for URL 'nosuch://x'");
        assertThatThrownBy(() -> Tasks.builder().brokerUrl("redis://user:s3cret@host:6379").build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    void a_client_from_configuration_opens_its_broker_and_reads_routing_rules(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tasks.properties"),
                "tasks.broker.url=memory://config-test\ntasks.routes=analytics.*=analytics_low_priority\n");
        TasksConfig config = TasksConfig.builder().workingDirectory(dir).environment(Map.of()).build();
        try (Tasks configured = Tasks.builder().config(config).declare(AnalyticsTasks.class).build()) {
            TaskHandle h = configured.delay(AnalyticsTasks.class, t -> t.track("x"));
            assertThat(h.queue()).isEqualTo("analytics_low_priority");
            assertThat(configured.broker().stats("analytics_low_priority").ready()).isEqualTo(1);
        }
        assertThatThrownBy(() -> Tasks.builder().brokerUrl(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config(TasksConfig.load())");
    }

    private record FixedContext(String taskId) implements TaskContext {
        @Override public String taskName() { return "p"; }
        @Override public String queue() { return "default"; }
        @Override public int attempt() { return 0; }
        @Override public int retriesLeft() { return 0; }
        @Override public Map<String, String> headers() { return Map.of(); }
        @Override public Optional<String> idempotencyKey() { return Optional.empty(); }
        @Override public boolean isSoftTimeLimitExceeded() { return false; }
        @Override public RetryRequested retry(Duration countdown) { throw new RetryRequested(countdown, null); }
        @Override public RetryRequested retry(Duration countdown, Throwable cause) { throw new RetryRequested(countdown, cause); }
    }
}
