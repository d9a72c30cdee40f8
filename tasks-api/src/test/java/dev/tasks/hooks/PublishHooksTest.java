package dev.tasks.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.Signature;
import dev.tasks.Tasks;
import dev.tasks.fixtures.ShopTasks.AnalyticsTasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Delivery;
import dev.tasks.tx.TransactionalDataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PublishHooksTest {

    /** Listed in this module's test services; adds a header only while a test switches it on. */
    public static final class SwitchableProvider implements HookProvider {
        static volatile boolean on;

        @Override
        public void register(Hooks.Builder hooks) {
            hooks.aroundPublish(task -> {
                if (on) {
                    task.header("found-on-class-path", "yes");
                }
                return After.NOTHING;
            });
        }
    }

    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        SwitchableProvider.on = false;
        broker.close();
    }

    private PublishInterceptor named(String name) {
        return task -> {
            events.add(name + " " + task.taskName() + " sees " + task.headers().keySet());
            task.header(name, task.taskId());
            return failure -> events.add(name + " after " + (failure == null ? "ok" : failure.getMessage()));
        };
    }

    private List<Envelope> drain(String queue) {
        List<Envelope> out = new ArrayList<>();
        List<Delivery> batch;
        while (!(batch = broker.fetch(List.of(queue), 100, Duration.ofSeconds(30), Duration.ZERO)).isEmpty()) {
            for (Delivery d : batch) {
                out.add(codec.decode(d.payload()));
            }
            broker.ack(batch);
        }
        return out;
    }

    @Test
    void interceptors_run_in_registration_order_once_per_task_and_their_afters_in_reverse_after_the_batch() {
        try (Tasks tasks = Tasks.builder().broker(broker).declare(AnalyticsTasks.class).aroundPublish(named("a"))
                .hooks(Hooks.builder().aroundPublish(named("b")).build()).build()) {
            tasks.sendAll(List.of(Signature.of("analytics.track", "x"), Signature.of("analytics.track", "y")));
        }
        List<Envelope> sent = drain("default");
        assertThat(sent).hasSize(2);
        assertThat(sent).allSatisfy(e -> assertThat(e.headers()).containsEntry("a", e.id()).containsEntry("b", e.id()));
        assertThat(events).containsExactly(
                "a analytics.track sees []", "b analytics.track sees [a]",
                "a analytics.track sees []", "b analytics.track sees [a]",
                "b after ok", "a after ok", "b after ok", "a after ok");
    }

    @Test
    void an_interceptor_that_throws_aborts_the_whole_call_and_the_afters_entered_see_why() {
        PublishInterceptor refuse = task -> {
            if (task.headers().containsKey("refuse")) {
                throw new IllegalStateException("no tenant");
            }
            return After.NOTHING;
        };
        try (Tasks tasks = Tasks.builder().broker(broker).declare(AnalyticsTasks.class).aroundPublish(named("a"))
                .aroundPublish(refuse).build()) {
            assertThatThrownBy(() -> tasks.sendAll(List.of(Signature.of("analytics.track", "x"),
                    Signature.of("analytics.track", "y").header("refuse", "1"))))
                    .isInstanceOf(IllegalStateException.class).hasMessage("no tenant");
        }
        assertThat(drain("default")).isEmpty();
        assertThat(events).filteredOn(e -> e.startsWith("a after")).containsExactly("a after no tenant", "a after no tenant");
    }

    @Test
    void an_after_that_throws_is_ignored_and_the_task_is_published_all_the_same() {
        HookRunnerProbe probe = new HookRunnerProbe();
        try (Tasks tasks = Tasks.builder().broker(broker).declare(OrderTasks.class)
                .aroundPublish(task -> failure -> {
                    throw new IllegalStateException("after broke");
                })
                .aroundPublish(probe).build()) {
            tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(1L));
            tasks.delay(OrderTasks.class, t -> t.sendOrderConfirmation(2L));
        }
        assertThat(drain("orders")).hasSize(2);
        assertThat(probe.afters).containsExactly("ok", "ok");
    }

    @Test
    void delay_on_commit_runs_interceptors_in_the_callers_thread_and_sends_their_headers_after_commit() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:hooks" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        TransactionalDataSource ds = new TransactionalDataSource(h2);
        Thread caller = Thread.currentThread();
        List<Boolean> onCaller = new CopyOnWriteArrayList<>();
        try (Tasks tasks = Tasks.builder().broker(broker).declare(OrderTasks.class).aroundPublish(named("a"))
                .aroundPublish(task -> {
                    onCaller.add(Thread.currentThread() == caller);
                    return After.NOTHING;
                }).build()) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(1L));
                assertThat(events).containsExactly("a orders.sendOrderConfirmation sees []", "a after ok");
                assertThat(broker.stats("orders").ready()).isZero();
                c.commit();
            }
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                tasks.delayOnCommit(OrderTasks.class, t -> t.sendOrderConfirmation(2L));
                c.rollback();
            }
        }
        List<Envelope> sent = drain("orders");
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).headers()).containsEntry("a", sent.get(0).id());
        assertThat(onCaller).containsExactly(true, true);
    }

    @Test
    void hooks_listed_on_the_class_path_run_inside_those_of_the_builder_unless_discovery_is_off() {
        SwitchableProvider.on = true;
        try (Tasks tasks = Tasks.builder().broker(broker).declare(AnalyticsTasks.class).aroundPublish(named("a")).build();
                Tasks bare = Tasks.builder().broker(broker).declare(AnalyticsTasks.class).discoverHooks(false).build()) {
            tasks.send(Signature.of("analytics.track", "x"));
            bare.send(Signature.of("analytics.track", "y"));
        }
        List<Envelope> sent = drain("default");
        assertThat(sent).extracting(e -> e.headers().get("found-on-class-path")).containsExactly("yes", null);
        assertThat(sent.get(0).headers()).containsOnlyKeys("a", "found-on-class-path");
        assertThat(sent.get(1).headers()).isEqualTo(Map.of());
    }

    /** Records what its {@code After} is told. */
    private static final class HookRunnerProbe implements PublishInterceptor {
        final List<String> afters = new CopyOnWriteArrayList<>();

        @Override
        public After aroundPublish(Publishing task) {
            return failure -> afters.add(failure == null ? "ok" : failure.toString());
        }
    }
}
