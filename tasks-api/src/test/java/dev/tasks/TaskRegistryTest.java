package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tasks.fixtures.ShopTasks.AnalyticsTasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskRegistryTest {

    @Test
    void default_names_are_module_dot_method_and_settings_are_read() {
        TaskRegistry r = TaskRegistry.builder().declare(OrderTasks.class).declare(AnalyticsTasks.class).build();
        TaskDefinition confirm = r.get("orders.sendOrderConfirmation");
        assertThat(confirm.retryPolicy().maxRetries()).isEqualTo(3);
        assertThat(confirm.retryPolicy().base()).isEqualTo(Duration.ofMinutes(1));
        assertThat(confirm.softTimeLimit()).contains(Duration.ofMinutes(55));
        assertThat(confirm.timeLimit()).contains(Duration.ofHours(1));
        assertThat(confirm.moduleQueue()).contains("orders");
        assertThat(confirm.hasImplementation()).isFalse();
        assertThat(r.get("orders.archive").queue()).contains("archive");
        assertThat(r.get("orders.archive").priority()).isEqualTo(7);
        assertThat(r.get("orders.chargeCardV1")).isSameAs(r.get("orders.chargeCard"));
        assertThat(r.get("analytics.track").moduleQueue()).isEmpty();
        assertThat(r.definitions()).hasSize(5);
    }

    @Test
    void unknown_task_names_fail_with_the_name() {
        TaskRegistry r = TaskRegistry.builder().declare(OrderTasks.class).build();
        assertThatThrownBy(() -> r.get("orders.nope"))
                .isInstanceOf(UnknownTaskException.class)
                .hasMessageContaining("unknown task 'orders.nope'");
    }

    @TaskModule("dup")
    interface DupA {
        @Task(name = "x.same")
        void a();
    }

    @TaskModule("dup")
    interface DupB {
        @Task(name = "x.other", aliases = "x.same")
        void b();
    }

    @Test
    void duplicate_names_and_aliases_are_refused_naming_both_methods() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(DupA.class).declare(DupB.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("duplicate task name 'x.same'")
                .hasMessageContaining("DupB.b")
                .hasMessageContaining("DupA.a");
    }

    static class NotAnInterface {}

    @Test
    void classes_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(NotAnInterface.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("is not an interface");
    }

    interface NoModule {
        @Task
        void a();
    }

    @Test
    void interfaces_without_task_module_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(NoModule.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("is not annotated @TaskModule");
    }

    @TaskModule("empty")
    interface NoTasks {
        void a();
    }

    @Test
    void modules_without_tasks_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(NoTasks.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("declares no @Task method");
    }

    @TaskModule("bad")
    interface BadDuration {
        @Task(softTimeLimit = "5 minutes")
        void slow();
    }

    @Test
    void malformed_durations_name_the_method_and_attribute() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(BadDuration.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("BadDuration.slow")
                .hasMessageContaining("softTimeLimit = \"5 minutes\" is not an ISO-8601 duration");
    }

    @TaskModule("bad")
    interface SoftOverHard {
        @Task(softTimeLimit = "PT2H", timeLimit = "PT1H")
        void slow();
    }

    @Test
    void soft_limit_must_be_shorter_than_hard_limit() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(SoftOverHard.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("softTimeLimit PT2H must be shorter than timeLimit PT1H");
    }

    @TaskModule("bad")
    interface NegativeRetries {
        @Task(maxRetries = -1)
        void a();
    }

    @TaskModule("bad")
    interface BadPriority {
        @Task(priority = 12)
        void a();
    }

    @TaskModule("bad")
    interface BadQueue {
        @Task(queue = "no spaces please")
        void a();
    }

    @Test
    void out_of_range_settings_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(NegativeRetries.class))
                .hasMessageContaining("maxRetries must be >= 0, was -1");
        assertThatThrownBy(() -> TaskRegistry.builder().declare(BadPriority.class))
                .hasMessageContaining("priority must be between 0 and 9, was 12");
        assertThatThrownBy(() -> TaskRegistry.builder().declare(BadQueue.class))
                .hasMessageContaining("invalid queue name 'no spaces please'");
    }

    interface Shape {}

    @TaskModule("geo")
    interface AbstractParam {
        @Task
        void draw(Shape shape);
    }

    @Test
    void abstract_parameter_types_are_refused_at_registration() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(AbstractParam.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("parameter 0 (shape) of " + AbstractParam.class.getName() + ".draw")
                .hasMessageContaining("abstract type");
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
    public static class ClassNamed {
        public String x;
    }

    @TaskModule("geo")
    interface ClassNamedParam {
        @Task
        void run(ClassNamed value);
    }

    @Test
    void parameter_types_that_let_a_message_name_a_class_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(ClassNamedParam.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("parameter value: " + ClassNamed.class.getName()
                        + " is annotated @JsonTypeInfo(use = CLASS), which would let a message name a Java class");
    }

    public static final class NoCreator {
        private final String x;

        public NoCreator(String x, int y) {
            this.x = x + y;
        }

        public String x() {
            return x;
        }
    }

    @TaskModule("geo")
    interface NoCreatorParam {
        @Task
        void run(NoCreator value);
    }

    @Test
    void parameter_types_without_a_creator_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().declare(NoCreatorParam.class))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("no default constructor and no @JsonCreator");
    }

    @TaskModule("calc")
    public interface Calc {
        @Task
        int add(int a, int b);

        @Task
        List<String> split(String s);
    }

    @Test
    void registered_implementations_are_invoked_with_decoded_arguments() throws Throwable {
        TaskRegistry r = TaskRegistry.builder().register(Calc.class, new Calc() {
            @Override
            public int add(int a, int b) {
                return a + b;
            }

            @Override
            public List<String> split(String s) {
                return List.of(s.split(","));
            }
        }).build();
        TaskDefinition add = r.get("calc.add");
        Object[] args = add.decodeArgs(dev.tasks.message.EnvelopeCodec.json().encodeArgs(new Object[] {2, 3}));
        assertThat(add.invoke(args)).isEqualTo(5);
        assertThat(add.returnsValue()).isTrue();
        assertThat(r.get("calc.split").invoke(new Object[] {"a,b"})).isEqualTo(List.of("a", "b"));
    }

    @Test
    void an_implementation_that_throws_is_unwrapped() {
        TaskRegistry r = TaskRegistry.builder().register(AnalyticsTasks.class, e -> {
            throw new IllegalStateException("boom " + e);
        }).build();
        assertThatThrownBy(() -> r.get("analytics.track").invoke(new Object[] {"x"}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom x");
    }

    @Test
    void null_implementations_are_refused() {
        assertThatThrownBy(() -> TaskRegistry.builder().register(AnalyticsTasks.class, null))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining("must not be null");
    }
}
