package dev.tasks.reliability;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tasks.Backoff;
import dev.tasks.IdempotencyPolicy;
import dev.tasks.RetryPolicy;
import dev.tasks.Task;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskModule;
import dev.tasks.TaskRegistry;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.TaskProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers, in a worker process started by a test ({@code --app}), the task of issue 21's report,
 * {@code relsec.wrap(Wrapper w)} with {@code record Wrapper(@JsonTypeInfo(use = CLASS) Object inner)},
 * <em>bypassing the registration checks</em> (which refuse it), as if they had missed a shape: what is
 * left to stop a message naming {@link Gadget} is the codec. {@link Gadget}'s constructor creates the
 * file named by the system property {@code rel.gadget.marker}.
 */
public final class GadgetTaskProvider implements TaskProvider {

    /** A class whose construction is the attack: it leaves a file behind. */
    public static final class Gadget {
        public Gadget() {
            try {
                Files.writeString(Path.of(System.getProperty("rel.gadget.marker")), "constructed\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The parameter type of the report. */
    public record Wrapper(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object inner) {}

    /** The task of the report. */
    @TaskModule("relsec")
    public interface WrapTasks {
        @Task
        void wrap(Wrapper w);
    }

    @Override
    public void register(TaskRegistry.Builder registry) {
        registry.include(unchecked(WrapTasks.class, (WrapTasks) w -> {}));
    }

    /** A registry of {@code iface}'s tasks made without {@link TaskRegistry.Builder}'s checks. */
    static TaskRegistry unchecked(Class<?> iface, Object impl) {
        try {
            Constructor<TaskDefinition> defCtor = findConstructor(TaskDefinition.class, 17);
            Map<String, TaskDefinition> byName = new LinkedHashMap<>();
            Map<Method, TaskDefinition> byMethod = new LinkedHashMap<>();
            List<TaskDefinition> all = new ArrayList<>();
            String module = iface.getAnnotation(TaskModule.class).value();
            for (Method m : iface.getMethods()) {
                List<com.fasterxml.jackson.databind.JavaType> types = new ArrayList<>();
                for (java.lang.reflect.Type t : m.getGenericParameterTypes()) {
                    types.add(EnvelopeCodec.json().typeOf(t));
                }
                m.setAccessible(true);
                TaskDefinition d = defCtor.newInstance(module + "." + m.getName(), List.of(), module, iface, m, types,
                        null, null, new RetryPolicy(0, Backoff.EXPONENTIAL, Duration.ofSeconds(1),
                                Duration.ofSeconds(1), false, List.of(), List.of()),
                        null, null, null, 0, IdempotencyPolicy.EXPLICIT, Duration.ofHours(1), true, impl);
                byName.put(d.name(), d);
                byMethod.put(m, d);
                all.add(d);
            }
            Constructor<TaskRegistry> regCtor = findConstructor(TaskRegistry.class, 3);
            return regCtor.newInstance(byName, byMethod, all);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot bypass the registration checks: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Constructor<T> findConstructor(Class<T> type, int parameters) {
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.getParameterCount() == parameters) {
                c.setAccessible(true);
                return (Constructor<T>) c;
            }
        }
        throw new IllegalStateException(type + " has no constructor with " + parameters + " parameters");
    }
}
