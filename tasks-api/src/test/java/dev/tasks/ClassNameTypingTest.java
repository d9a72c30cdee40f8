package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import dev.tasks.message.ClassNameTypingCheck;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * No class named by a message is ever loaded: registration refuses every shape of class-name typing in a
 * task's argument and result types, naming the path; and the codec's mapper denies class-name type ids
 * even when registration is bypassed, so a gadget class in a message is never constructed.
 */
class ClassNameTypingTest {

    /** A "gadget": its constructor records that it ran. */
    public static class Boom {
        static final AtomicInteger CONSTRUCTED = new AtomicInteger();

        public Boom() {
            CONSTRUCTED.incrementAndGet();
        }
    }

    public record Wrapper(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object inner) {}

    public record Minimal(@JsonTypeInfo(use = JsonTypeInfo.Id.MINIMAL_CLASS) Object inner) {}

    public record Outer(String name, Wrapper wrapped) {}

    public record Box<T>(T value) {}

    @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
    public interface Animal {}

    public record Zoo(List<Animal> animals) {}

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(Circle.class), @JsonSubTypes.Type(Blob.class)})
    public interface Shape {}

    @JsonTypeName("circle")
    public record Circle(double radius) implements Shape {}

    @JsonTypeName("blob")
    public record Blob(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) implements Shape {}

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(Circle.class), @JsonSubTypes.Type(Square.class)})
    public interface SafeShape {}

    @JsonTypeName("square")
    public record Square(double side) implements SafeShape {}

    public static class SetterBean {
        private Object x;

        @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
        public void setX(Object x) {
            this.x = x;
        }

        public Object x() {
            return x;
        }
    }

    public static class AnyBean {
        final Map<String, Object> extra = new java.util.HashMap<>();

        @com.fasterxml.jackson.annotation.JsonAnySetter
        public void put(String name, Wrapper value) {
            extra.put(name, value);
        }
    }

    public record Tree(String name, List<Tree> children, Map<String, Tree> byName) {}

    public record Plain(Object inner) {}

    abstract static class PlainMixIn {
        @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
        Object inner;
    }

    @TaskModule("relsec")
    public interface Shapes {
        @Task
        void wrap(Wrapper w);

        @Task
        void minimal(Minimal m);

        @Task
        void nested(Outer o);

        @Task
        void list(List<Wrapper> items);

        @Task
        void map(Map<String, Wrapper> byName);

        @Task
        void optional(Optional<Wrapper> maybe);

        @Task
        void array(Wrapper[] items);

        @Task
        void generic(Box<Wrapper> box);

        @Task
        void classLevel(Zoo zoo);

        @Task
        void subtype(Shape shape);

        @Task
        void setter(SetterBean bean);

        @Task
        void anySetter(AnyBean bean);

        @Task
        Wrapper result(String id);

        @Task
        Map<String, List<Box<Wrapper>>> deepResult(String id);
    }

    // One interface per shape (registration stops at the first bad method of an interface).
    @TaskModule("relsec") interface OneWrap { @Task void wrap(Wrapper w); }

    @TaskModule("relsec") interface OneMinimal { @Task void minimal(Minimal m); }

    @TaskModule("relsec") interface OneNested { @Task void nested(Outer o); }

    @TaskModule("relsec") interface OneList { @Task void list(List<Wrapper> items); }

    @TaskModule("relsec") interface OneMap { @Task void map(Map<String, Wrapper> byName); }

    @TaskModule("relsec") interface OneOptional { @Task void optional(Optional<Wrapper> maybe); }

    @TaskModule("relsec") interface OneArray { @Task void array(Wrapper[] items); }

    @TaskModule("relsec") interface OneGeneric { @Task void generic(Box<Wrapper> box); }

    @TaskModule("relsec") interface OneClassLevel { @Task void classLevel(Zoo zoo); }

    @TaskModule("relsec") interface OneSubtype { @Task void subtype(Shape shape); }

    @TaskModule("relsec") interface OneSetter { @Task void setter(SetterBean bean); }

    @TaskModule("relsec") interface OneAnySetter { @Task void anySetter(AnyBean bean); }

    @TaskModule("relsec") interface OneResult { @Task Wrapper result(String id); }

    @TaskModule("relsec") interface OneDeepResult { @Task Map<String, List<Box<Wrapper>>> deepResult(String id); }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "wrap        | parameter w -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "minimal     | parameter m -> field inner: annotated @JsonTypeInfo(use = MINIMAL_CLASS)",
        "nested      | parameter o -> field wrapped -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "list        | parameter items -> element -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "map         | parameter byName -> map value -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "optional    | parameter maybe -> content -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "array       | parameter items -> element -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "generic     | parameter box -> field value -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "classLevel  | parameter zoo -> field animals -> element: dev.tasks.ClassNameTypingTest$Animal is annotated"
                + " @JsonTypeInfo(use = CLASS)",
        "subtype     | parameter shape -> subtype blob -> field payload: annotated @JsonTypeInfo(use = CLASS)",
        "setter      | parameter bean -> field x: annotated @JsonTypeInfo(use = CLASS)",
        "anySetter   | parameter bean -> any property -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "result      | return value -> field inner: annotated @JsonTypeInfo(use = CLASS)",
        "deepResult  | return value -> map value -> element -> field value -> field inner: annotated @JsonTypeInfo(use = CLASS)",
    })
    void registration_refuses_class_name_typing_anywhere_in_a_task_type_naming_the_path(String method,
            String path) {
        Class<?> single = Arrays.stream(ClassNameTypingTest.class.getDeclaredClasses())
                .filter(c -> c.getSimpleName().equalsIgnoreCase("One" + method)).findFirst().orElseThrow();
        assertThatThrownBy(() -> TaskRegistry.builder().declare(single))
                .isInstanceOf(TaskDefinitionException.class)
                .hasMessageContaining(path)
                .hasMessageContaining("would let a message name a Java class to load")
                .hasMessageContaining("JsonTypeInfo.Id.NAME")
                .message().doesNotContain("\n");
    }

    @TaskModule("relsec")
    public interface Allowed {
        @Task
        void draw(SafeShape shape);

        @Task
        void tree(Tree tree);

        @Task
        void plain(Plain p);

        @Task
        List<Optional<Map<String, Square>>> shapes(List<Object> anything);
    }

    @Test
    void logical_type_names_untyped_objects_and_recursive_types_register_and_read() {
        TaskRegistry registry = TaskRegistry.builder().declare(Allowed.class).build();
        TaskDefinition draw = registry.get("relsec.draw");
        JsonNode args = EnvelopeCodec.json().encodeArgs(new Object[] {new Square(2.5)});
        assertThat(args.get(0).get("type").asText()).isEqualTo("square");
        assertThat(draw.decodeArgs(args)).containsExactly(new Square(2.5));
        Object[] plain = registry.get("relsec.plain").decodeArgs(arrayOf("{\"inner\":{\"@class\":\""
                + Boom.class.getName() + "\"}}"));
        assertThat(plain[0]).isEqualTo(new Plain(Map.of("@class", Boom.class.getName())));
        assertThat(Boom.CONSTRUCTED).hasValue(0);
    }

    @Test
    void a_mix_in_registered_on_the_mapper_is_seen() {
        ObjectMapper withMixIn = EnvelopeCodec.json().mapper().copy().addMixIn(Plain.class, PlainMixIn.class);
        assertThat(ClassNameTypingCheck.find(withMixIn, withMixIn.constructType(Plain.class), "parameter p"))
                .contains("parameter p -> field inner: annotated @JsonTypeInfo(use = CLASS)");
        assertThat(ClassNameTypingCheck.find(EnvelopeCodec.json().mapper(),
                EnvelopeCodec.json().typeOf(Plain.class), "parameter p")).isEmpty();
    }

    @Test
    @SuppressWarnings("deprecation")
    void default_typing_on_the_mapper_is_refused() {
        ObjectMapper typed = EnvelopeCodec.json().mapper().copy().activateDefaultTyping(
                BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build());
        assertThat(ClassNameTypingCheck.find(typed, typed.constructType(Plain.class), "parameter p"))
                .hasValueSatisfying(s -> assertThat(s).contains("default typing"));
    }

    // ------------------------------------------------------------- the codec, registration bypassed

    static final String GADGET = "{\"v\":1,\"id\":\"0b9d7d2c-6a3e-4b87-9a1f-0c1d2e3f4a5b\",\"task\":\"relsec.wrap\","
            + "\"args\":[{\"inner\":{\"@class\":\"" + Boom.class.getName() + "\"}}],\"queue\":\"rsec\"}";

    @Test
    void the_gadget_is_real_for_a_mapper_without_the_validator() throws Exception {
        int before = Boom.CONSTRUCTED.get();
        Wrapper w = JsonMapper.builder().build().readValue("{\"inner\":{\"@class\":\"" + Boom.class.getName()
                + "\"}}", Wrapper.class);
        assertThat(w.inner()).isInstanceOf(Boom.class);
        assertThat(Boom.CONSTRUCTED.get()).isEqualTo(before + 1);
        Boom.CONSTRUCTED.addAndGet(-1);
    }

    @Test
    void a_message_naming_a_class_never_constructs_it_even_when_registration_is_bypassed() {
        Envelope env = EnvelopeCodec.json().decode(GADGET);
        for (String method : List.of("wrap", "minimal", "nested", "list", "map", "optional", "array", "generic",
                "classLevel", "setter", "anySetter")) {
            TaskDefinition bypassed = unchecked(find(method));
            assertThatThrownBy(() -> bypassed.decodeArgs(gadgetArgsFor(method, env.args())))
                    .as(method)
                    .isInstanceOf(ArgumentMismatchException.class)
                    .hasMessageContaining("takes Java class names as type ids")
                    .hasMessageContaining("no class a message names is ever loaded")
                    .message().doesNotContain("\n");
        }
        assertThat(Boom.CONSTRUCTED).as("gadget constructions").hasValue(0);
    }

    @Test
    void a_result_naming_a_class_is_not_read_either() {
        assertThatThrownBy(() -> EnvelopeCodec.json().mapper().readValue("{\"inner\":{\"@class\":\""
                + Boom.class.getName() + "\"}}", Wrapper.class))
                .hasMessageContaining("PolymorphicTypeValidator");
        assertThatThrownBy(() -> EnvelopeCodec.json().mapper().readValue("[\"" + Boom.class.getName() + "\",{}]",
                Animal.class))
                .hasMessageContaining("PolymorphicTypeValidator");
        assertThat(Boom.CONSTRUCTED).hasValue(0);
    }

    /** The gadget, wrapped in the shape that {@code method}'s parameter reads. */
    private static JsonNode gadgetArgsFor(String method, JsonNode wrapArgs) {
        String wrapper = wrapArgs.get(0).toString();
        String boom = "{\"@class\":\"" + Boom.class.getName() + "\"}";
        return switch (method) {
            case "wrap", "minimal", "optional" -> wrapArgs;
            case "nested" -> arrayOf("{\"name\":\"n\",\"wrapped\":" + wrapper + "}");
            case "list", "array" -> arrayOf("[" + wrapper + "]");
            case "map", "anySetter" -> arrayOf("{\"k\":" + wrapper + "}");
            case "generic" -> arrayOf("{\"value\":" + wrapper + "}");
            case "classLevel" -> arrayOf("{\"animals\":[[\"" + Boom.class.getName() + "\",{}]]}");
            case "setter" -> arrayOf("{\"x\":" + boom + "}");
            default -> throw new IllegalArgumentException(method);
        };
    }

    private static JsonNode arrayOf(String element) {
        try {
            return EnvelopeCodec.json().readTree("[" + element + "]");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Method find(String name) {
        for (Method m : Shapes.class.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** A definition made without the registration checks, as if they had missed the shape. */
    private static TaskDefinition unchecked(Method m) {
        List<com.fasterxml.jackson.databind.JavaType> types = new java.util.ArrayList<>();
        for (java.lang.reflect.Type t : m.getGenericParameterTypes()) {
            types.add(EnvelopeCodec.json().typeOf(t));
        }
        return new TaskDefinition("relsec." + m.getName(), List.of(), "relsec", Shapes.class, m, types, null, null,
                new RetryPolicy(0, Backoff.EXPONENTIAL, Duration.ofSeconds(1), Duration.ofSeconds(1), false,
                        List.of(), List.of()),
                null, null, null, 0, IdempotencyPolicy.EXPLICIT, Duration.ofHours(1), true, null);
    }
}
