package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.runtime.TaskControls;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkflowTest {
    private static final Signature A = Signature.of("t.a");
    private static final Signature B = Signature.of("t.b");
    private static final Signature C = Signature.of("t.c");
    private static final Signature D = Signature.of("t.d");

    @Test
    void nested_chains_and_groups_are_flattened() {
        Workflow w = Workflow.chain(Workflow.of(A), Workflow.chain(B, C));
        assertThat(w.kind()).isEqualTo(Workflow.Kind.CHAIN);
        assertThat(w.children()).extracting(Workflow::signature).containsExactly(A, B, C);

        Workflow g = Workflow.group(Workflow.of(A), Workflow.group(B, C));
        assertThat(g.children()).extracting(Workflow::signature).containsExactly(A, B, C);
    }

    @Test
    void a_group_followed_by_more_steps_becomes_a_chord_with_the_rest_as_callback() {
        Workflow w = Workflow.chain(Workflow.of(A), Workflow.group(B, C), Workflow.of(D));
        assertThat(w.kind()).isEqualTo(Workflow.Kind.CHAIN);
        assertThat(w.children()).hasSize(2);
        Workflow chord = w.children().get(1);
        assertThat(chord.kind()).isEqualTo(Workflow.Kind.CHORD);
        assertThat(chord.children()).extracting(Workflow::signature).containsExactly(B, C);
        assertThat(chord.callback().signature()).isEqualTo(D);
    }

    @Test
    void empty_workflows_are_refused() {
        assertThatThrownBy(() -> Workflow.chain(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chain");
        assertThatThrownBy(() -> Workflow.group(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_chord_member_ending_in_a_group_is_refused_before_anything_is_published() {
        InMemoryBroker broker = InMemoryBroker.create();
        try (Tasks tasks = Tasks.builder().broker(broker).build()) {
            Workflow bad = Workflow.chord(Workflow.group(Workflow.chain(Workflow.of(A), Workflow.group(B, C))),
                    Workflow.of(D));
            assertThatThrownBy(() -> tasks.apply(bad)).isInstanceOf(EnqueueException.class)
                    .hasMessageContaining("cannot end in a group");
            assertThat(broker.queues()).isEmpty();
        }
    }

    @Test
    void a_step_asking_for_a_previous_result_cannot_start_a_workflow() {
        try (Tasks tasks = Tasks.builder().broker(InMemoryBroker.create()).declare(Calc.class).build()) {
            assertThatThrownBy(() -> tasks.apply(Workflow.chain(Signature.of("calc.inc"), A)))
                    .isInstanceOf(EnqueueException.class).hasMessageContaining("previous result");
        }
    }

    @Test
    void handles_of_a_group_cover_every_member_and_report_pending() {
        try (Tasks tasks = Tasks.builder().broker(InMemoryBroker.create()).build()) {
            WorkflowHandle h = tasks.apply(Workflow.group(A, B));
            assertThat(h.isList()).isTrue();
            assertThat(h.tasks()).hasSize(2);
            assertThat(h.state()).isEqualTo(TaskState.PENDING);
            assertThatThrownBy(() -> h.await(Duration.ofMillis(50))).isInstanceOf(ResultTimeoutException.class);
            h.revoke();
            assertThat(h.state()).isEqualTo(TaskState.REVOKED);
        }
    }

    @TaskModule("calc")
    interface Calc {
        @Task
        int inc(int value);

        @Task(rateLimit = "10/m", rateLimitKey = "arg:0.customer", concurrency = 3)
        void order(Order order);
    }

    record Order(String customer, int amount) {}

    @TaskModule("bad")
    interface BadRate {
        @Task(rateLimit = "fast")
        void go();
    }

    @TaskModule("bad2")
    interface BadKey {
        @Task(rateLimit = "1/s", rateLimitKey = "arg:3")
        void go(String a);
    }

    @Test
    void rate_limits_and_keys_are_parsed_and_bad_ones_refused_at_registration() throws Exception {
        TaskDefinition order = TaskRegistry.builder().declare(Calc.class).build().get("calc.order");
        TaskControls c = TaskControls.of(order);
        assertThat(c.rateInterval()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.concurrency()).isEqualTo(3);
        assertThat(c.rateKey("calc.order", dev.tasks.message.EnvelopeCodec.json().encodeArgs(
                new Object[] {new Order("acme", 5)}))).isEqualTo("calc.order|acme");

        assertThatThrownBy(() -> TaskRegistry.builder().declare(BadRate.class).build())
                .isInstanceOf(TaskDefinitionException.class).hasMessageContaining("rateLimit = \"fast\"");
        assertThatThrownBy(() -> TaskRegistry.builder().declare(BadKey.class).build())
                .isInstanceOf(TaskDefinitionException.class).hasMessageContaining("names argument 3");
    }
}
