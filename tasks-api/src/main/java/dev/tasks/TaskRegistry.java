package dev.tasks;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.AbstractDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import dev.tasks.message.ClassNameTypingCheck;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.Queues;
import dev.tasks.spi.TaskProvider;
import dev.tasks.spi.support.ServiceFiles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tasks known to a process, by name and alias. Built once; immutable and thread-safe.
 *
 * <p>Producers {@linkplain Builder#declare declare} task interfaces (to enqueue type-safely); workers
 * {@linkplain Builder#register register} interfaces with their implementations (to run them). All
 * validation happens here, at start-up: duplicate names or aliases, classes that are not interfaces,
 * missing annotations, malformed durations, parameter types that JSON cannot be read into, and parameter
 * or return types through which a message could name a Java class ({@link ClassNameTypingCheck}) all fail
 * with a {@link TaskDefinitionException} naming the method (and, for types, the path to the culprit).
 */
public final class TaskRegistry {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}");

    private final Map<String, TaskDefinition> byName;
    private final Map<Method, TaskDefinition> byMethod;
    private final List<TaskDefinition> definitions;

    private TaskRegistry(Map<String, TaskDefinition> byName, Map<Method, TaskDefinition> byMethod,
            List<TaskDefinition> definitions) {
        this.byName = Map.copyOf(byName);
        this.byMethod = Map.copyOf(byMethod);
        this.definitions = List.copyOf(definitions);
    }

    /** A new builder. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** An empty registry. */
    public static TaskRegistry empty() {
        return builder().build();
    }

    /** The task with this name or alias. */
    public Optional<TaskDefinition> find(String nameOrAlias) {
        return Optional.ofNullable(byName.get(nameOrAlias));
    }

    /**
     * The task with this name or alias.
     *
     * @throws UnknownTaskException listing how many tasks are known
     */
    public TaskDefinition get(String nameOrAlias) {
        TaskDefinition d = byName.get(nameOrAlias);
        if (d == null) {
            throw new UnknownTaskException(nameOrAlias, "unknown task '" + nameOrAlias + "': not registered in this"
                    + " process (" + definitions.size() + " task(s) known" + (definitions.isEmpty() ? "" : ", e.g. "
                    + definitions.get(0).name()) + ")");
        }
        return d;
    }

    /** The task declared by this interface method, if registered. */
    public Optional<TaskDefinition> find(Method method) {
        return Optional.ofNullable(byMethod.get(method));
    }

    /** Every registered task, in registration order. */
    public List<TaskDefinition> definitions() {
        return definitions;
    }

    /** Builds a {@link TaskRegistry}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, TaskDefinition> byName = new LinkedHashMap<>();
        private final Map<Method, TaskDefinition> byMethod = new LinkedHashMap<>();
        private final List<TaskDefinition> definitions = new ArrayList<>();

        private Builder() {}

        /**
         * Registers a task interface with its implementation, for workers.
         *
         * @throws TaskDefinitionException naming the interface or method that is invalid
         */
        public <T> Builder register(Class<T> taskInterface, T implementation) {
            if (implementation == null) {
                throw new TaskDefinitionException("implementation of " + taskInterface.getName() + " must not be null");
            }
            if (!taskInterface.isInstance(implementation)) {
                throw new TaskDefinitionException(implementation.getClass().getName() + " does not implement "
                        + taskInterface.getName());
            }
            add(taskInterface, implementation);
            return this;
        }

        /**
         * Declares a task interface without implementation, for producers.
         *
         * @throws TaskDefinitionException naming the interface or method that is invalid
         */
        public Builder declare(Class<?> taskInterface) {
            add(taskInterface, null);
            return this;
        }

        /**
         * Registers what every {@link TaskProvider} listed in {@code META-INF/services/dev.tasks.spi.TaskProvider}
         * on the class path provides.
         *
         * @throws ConfigurationException when a listed class does not exist, does not implement
         *     {@code TaskProvider} or cannot be created; its one-line message names the class and the file
         */
        public Builder discover(ClassLoader loader) {
            for (TaskProvider p : ServiceFiles.load(TaskProvider.class, loader)) {
                p.register(this);
            }
            return this;
        }

        /** Registers the tasks of other registries (e.g. several modules'). */
        public Builder include(TaskRegistry other) {
            for (TaskDefinition d : other.definitions) {
                put(d);
            }
            return this;
        }

        /** The registry. */
        public TaskRegistry build() {
            return new TaskRegistry(byName, byMethod, definitions);
        }

        private void add(Class<?> iface, Object impl) {
            if (iface == null) {
                throw new TaskDefinitionException("task interface must not be null");
            }
            if (!iface.isInterface() || iface.isAnnotation()) {
                throw new TaskDefinitionException(iface.getName() + " is not an interface: tasks are declared on"
                        + " an interface annotated @TaskModule, implemented by an ordinary class");
            }
            TaskModule module = iface.getAnnotation(TaskModule.class);
            if (module == null) {
                throw new TaskDefinitionException(iface.getName() + " is not annotated @TaskModule");
            }
            String moduleName = module.value();
            if (!NAME.matcher(moduleName).matches()) {
                throw new TaskDefinitionException("@TaskModule(\"" + moduleName + "\") on " + iface.getName()
                        + ": module names use letters, digits, '_', '-', '.'");
            }
            String moduleQueue = module.queue().isEmpty() ? null : checkQueue(module.queue(), iface.getName());
            List<Method> methods = new ArrayList<>(Arrays.asList(iface.getMethods()));
            methods.sort((a, b) -> a.getName().compareTo(b.getName()));
            int count = 0;
            for (Method m : methods) {
                Task task = m.getAnnotation(Task.class);
                if (task == null) {
                    continue;
                }
                if (Modifier.isStatic(m.getModifiers())) {
                    throw new TaskDefinitionException(where(m) + ": @Task cannot be on a static method");
                }
                put(define(m, task, moduleName, moduleQueue, impl));
                count++;
            }
            if (count == 0) {
                throw new TaskDefinitionException(iface.getName() + " declares no @Task method");
            }
        }

        private void put(TaskDefinition d) {
            List<String> names = new ArrayList<>();
            names.add(d.name());
            names.addAll(d.aliases());
            for (String n : names) {
                TaskDefinition existing = byName.get(n);
                if (existing != null && !existing.method().equals(d.method())) {
                    throw new TaskDefinitionException("duplicate task name '" + n + "': " + where(d.method())
                            + " and " + where(existing.method()));
                }
            }
            TaskDefinition old = byMethod.get(d.method());
            if (old != null) {
                definitions.remove(old);
            }
            for (String n : names) {
                byName.put(n, d);
            }
            byMethod.put(d.method(), d);
            definitions.add(d);
        }

        private static TaskDefinition define(Method m, Task t, String module, String moduleQueue, Object impl) {
            String name = t.name().isEmpty() ? module + "." + m.getName() : t.name();
            checkName(name, m);
            List<String> aliases = List.of(t.aliases());
            for (String a : aliases) {
                checkName(a, m);
                if (a.equals(name)) {
                    throw new TaskDefinitionException(where(m) + ": alias '" + a + "' repeats the task name");
                }
            }
            String queue = t.queue().isEmpty() ? null : checkQueue(t.queue(), where(m));
            if (t.maxRetries() < 0) {
                throw new TaskDefinitionException(where(m) + ": maxRetries must be >= 0, was " + t.maxRetries());
            }
            if (t.priority() < Priority.MIN || t.priority() > Priority.MAX) {
                throw new TaskDefinitionException(where(m) + ": priority must be between " + Priority.MIN + " and "
                        + Priority.MAX + ", was " + t.priority());
            }
            Duration base = duration(m, "retryBackoff", t.retryBackoff(), true);
            Duration max = duration(m, "retryBackoffMax", t.retryBackoffMax(), true);
            if (max.compareTo(base) < 0) {
                throw new TaskDefinitionException(where(m) + ": retryBackoffMax " + t.retryBackoffMax()
                        + " is shorter than retryBackoff " + t.retryBackoff());
            }
            RetryPolicy retry = new RetryPolicy(t.maxRetries(), t.backoff(), base, max, t.retryJitter(),
                    List.of(t.retryOn()), List.of(t.dontRetryOn()));
            Duration soft = duration(m, "softTimeLimit", t.softTimeLimit(), false);
            Duration hard = duration(m, "timeLimit", t.timeLimit(), false);
            if (soft != null && hard != null && soft.compareTo(hard) >= 0) {
                throw new TaskDefinitionException(where(m) + ": softTimeLimit " + t.softTimeLimit()
                        + " must be shorter than timeLimit " + t.timeLimit());
            }
            Duration expires = duration(m, "expires", t.expires(), false);
            Duration retention = duration(m, "idempotencyRetention", t.idempotencyRetention(), true);
            dev.tasks.spi.runtime.TaskControls.parse(m, t);
            List<JavaType> types = new ArrayList<>();
            Type[] generic = m.getGenericParameterTypes();
            for (int i = 0; i < generic.length; i++) {
                types.add(readableType(m, i, generic[i]));
            }
            if (m.getGenericReturnType() != void.class && m.getGenericReturnType() != Void.class) {
                EnvelopeCodec codec = EnvelopeCodec.json();
                refuseClassNameTyping(m, codec.mapper(), codec.typeOf(m.getGenericReturnType()), "return value");
            }
            try {
                m.setAccessible(true);
            } catch (RuntimeException e) {
                throw new TaskDefinitionException(where(m) + ": cannot be made accessible: " + e.getMessage(), e);
            }
            return new TaskDefinition(name, aliases, module, m.getDeclaringClass(), m, types, queue, moduleQueue,
                    retry, soft, hard, expires, t.priority(), t.idempotency(), retention, t.acksLate(), impl);
        }

        private static JavaType readableType(Method m, int index, Type type) {
            EnvelopeCodec codec = EnvelopeCodec.json();
            JavaType jt = codec.typeOf(type);
            String param = "parameter " + index + " (" + m.getParameters()[index].getName() + ") of " + where(m);
            Class<?> raw = jt.getRawClass();
            ObjectMapper mapper = codec.mapper();
            refuseClassNameTyping(m, mapper, jt, "parameter " + m.getParameters()[index].getName());
            JsonDeserializer<Object> deser;
            try {
                DefaultDeserializationContext ctxt = ((DefaultDeserializationContext) mapper.getDeserializationContext())
                        .createDummyInstance(mapper.getDeserializationConfig());
                deser = ctxt.findRootValueDeserializer(jt);
            } catch (Exception e) {
                throw new TaskDefinitionException(param + ": JSON cannot be read into " + jt.toCanonical() + ": "
                        + e.getMessage(), e);
            }
            if (deser instanceof AbstractDeserializer) {
                throw new TaskDefinitionException(param + ": JSON cannot be read into the abstract type "
                        + jt.toCanonical() + "; use a concrete type, or @JsonTypeInfo(use = Id.NAME) with @JsonSubTypes");
            }
            if (deser instanceof BeanDeserializerBase bean && !bean.getValueInstantiator().canInstantiate()
                    && !raw.isRecord()) {
                throw new TaskDefinitionException(param + ": JSON cannot be read into " + jt.toCanonical()
                        + ": it has no default constructor and no @JsonCreator; use a record or add a creator");
            }
            return jt;
        }

        /**
         * Refuses a type through which a message could name the class to create ({@link ClassNameTypingCheck}),
         * naming the path, e.g. {@code parameter w -> field inner}.
         */
        private static void refuseClassNameTyping(Method m, ObjectMapper mapper, JavaType type, String root) {
            ClassNameTypingCheck.find(mapper, type, root).ifPresent(path -> {
                throw new TaskDefinitionException(where(m) + ": " + path + ", which would let a message name a"
                        + " Java class to load; use @JsonTypeInfo(use = JsonTypeInfo.Id.NAME) with @JsonSubTypes");
            });
        }

        private static Duration duration(Method m, String attribute, String value, boolean required) {
            if (value.isEmpty()) {
                if (required) {
                    throw new TaskDefinitionException(where(m) + ": " + attribute + " must not be empty");
                }
                return null;
            }
            Duration d;
            try {
                d = Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw new TaskDefinitionException(where(m) + ": " + attribute + " = \"" + value
                        + "\" is not an ISO-8601 duration (e.g. \"PT30S\", \"PT5M\", \"PT1H\")", e);
            }
            if (d.isNegative() || (!required && d.isZero())) {
                throw new TaskDefinitionException(where(m) + ": " + attribute + " = \"" + value + "\" must be positive");
            }
            return d;
        }

        private static void checkName(String name, Method m) {
            if (!NAME.matcher(name).matches()) {
                throw new TaskDefinitionException(where(m) + ": task name '" + name
                        + "' must be 1 to 200 letters, digits, '_', '.', ':' or '-'");
            }
        }

        private static String checkQueue(String queue, String where) {
            if (!Queues.isValid(queue)) {
                throw new TaskDefinitionException(where + ": invalid queue name '" + queue
                        + "': use 1 to 200 letters, digits, '.', '_' or '-'");
            }
            return queue;
        }

        private static String where(Method m) {
            return m.getDeclaringClass().getName() + "." + m.getName();
        }

        /** Tasks registered so far. */
        public Collection<TaskDefinition> definitions() {
            return List.copyOf(definitions);
        }
    }
}
