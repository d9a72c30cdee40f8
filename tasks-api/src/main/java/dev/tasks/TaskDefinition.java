package dev.tasks;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.message.EnvelopeCodec;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered task: its names, method, parameter types and options, validated at registration.
 * Immutable and thread-safe. Made by {@link TaskRegistry}.
 */
public final class TaskDefinition {
    private final String name;
    private final List<String> aliases;
    private final String module;
    private final Class<?> taskInterface;
    private final Method method;
    private final List<JavaType> parameterTypes;
    private final String queue;
    private final String moduleQueue;
    private final RetryPolicy retryPolicy;
    private final Duration softTimeLimit;
    private final Duration timeLimit;
    private final Duration expires;
    private final int priority;
    private final IdempotencyPolicy idempotency;
    private final Duration idempotencyRetention;
    private final boolean acksLate;
    private final Object implementation;

    TaskDefinition(String name, List<String> aliases, String module, Class<?> taskInterface, Method method,
            List<JavaType> parameterTypes, String queue, String moduleQueue, RetryPolicy retryPolicy,
            Duration softTimeLimit, Duration timeLimit, Duration expires, int priority,
            IdempotencyPolicy idempotency, Duration idempotencyRetention, boolean acksLate, Object implementation) {
        this.name = name;
        this.aliases = List.copyOf(aliases);
        this.module = module;
        this.taskInterface = taskInterface;
        this.method = method;
        this.parameterTypes = List.copyOf(parameterTypes);
        this.queue = queue;
        this.moduleQueue = moduleQueue;
        this.retryPolicy = retryPolicy;
        this.softTimeLimit = softTimeLimit;
        this.timeLimit = timeLimit;
        this.expires = expires;
        this.priority = priority;
        this.idempotency = idempotency;
        this.idempotencyRetention = idempotencyRetention;
        this.acksLate = acksLate;
        this.implementation = implementation;
    }

    TaskDefinition withImplementation(Object impl) {
        return new TaskDefinition(name, aliases, module, taskInterface, method, parameterTypes, queue, moduleQueue,
                retryPolicy, softTimeLimit, timeLimit, expires, priority, idempotency, idempotencyRetention,
                acksLate, impl);
    }

    /** The wire name. */
    public String name() { return name; }

    /** Former names still accepted. */
    public List<String> aliases() { return aliases; }

    /** The module name. */
    public String module() { return module; }

    /** The interface that declares the task. */
    public Class<?> taskInterface() { return taskInterface; }

    /** The interface method. */
    public Method method() { return method; }

    /** Jackson types of the parameters, in order. */
    public List<JavaType> parameterTypes() { return parameterTypes; }

    /** The queue named on {@link Task#queue()}, if any. */
    public Optional<String> queue() { return Optional.ofNullable(queue); }

    /** The module's default queue, if any. */
    public Optional<String> moduleQueue() { return Optional.ofNullable(moduleQueue); }

    /** The retry policy. */
    public RetryPolicy retryPolicy() { return retryPolicy; }

    /** The soft time limit, if any. */
    public Optional<Duration> softTimeLimit() { return Optional.ofNullable(softTimeLimit); }

    /** The hard time limit, if any. */
    public Optional<Duration> timeLimit() { return Optional.ofNullable(timeLimit); }

    /** The default time to live, if any. */
    public Optional<Duration> expires() { return Optional.ofNullable(expires); }

    /** The default priority. */
    public int priority() { return priority; }

    /** How idempotency keys are derived. */
    public IdempotencyPolicy idempotency() { return idempotency; }

    /** How long finished idempotency keys are remembered. */
    public Duration idempotencyRetention() { return idempotencyRetention; }

    /** Whether the task is acknowledged after it ran (true) or before (false). */
    public boolean acksLate() { return acksLate; }

    /** Whether the method returns a value (so its result is worth storing). */
    public boolean returnsValue() {
        return method.getReturnType() != void.class && method.getReturnType() != Void.class;
    }

    /** Whether an implementation is registered (workers need one; producers do not). */
    public boolean hasImplementation() { return implementation != null; }

    /**
     * Reads JSON arguments into the parameter types.
     *
     * @throws ArgumentMismatchException naming the parameter and what did not fit
     */
    public Object[] decodeArgs(JsonNode args) {
        if (args == null || !args.isArray()) {
            throw new ArgumentMismatchException(name, "task " + name + ": arguments must be a JSON array, was "
                    + (args == null ? "missing" : args.getNodeType()));
        }
        if (args.size() != parameterTypes.size()) {
            throw new ArgumentMismatchException(name, "task " + name + " takes " + parameterTypes.size()
                    + " argument(s) " + describeParameters() + ", got " + args.size());
        }
        Object[] values = new Object[args.size()];
        EnvelopeCodec codec = EnvelopeCodec.json();
        for (int i = 0; i < values.length; i++) {
            JavaType type = parameterTypes.get(i);
            JsonNode node = args.get(i);
            try {
                values[i] = codec.readArg(node, type);
            } catch (IOException | RuntimeException e) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                        ? jpe.getOriginalMessage() : e.getMessage();
                throw new ArgumentMismatchException(name, "task " + name + ": argument " + i + " ("
                        + method.getParameters()[i].getName() + ") must be " + type.toCanonical() + ", got "
                        + EnvelopeCodec.abbreviate(node.toString()) + ": " + why, e);
            }
            if (values[i] == null && type.isPrimitive()) {
                throw new ArgumentMismatchException(name, "task " + name + ": argument " + i + " ("
                        + method.getParameters()[i].getName() + ") is a " + type.toCanonical() + " and cannot be null");
            }
        }
        return values;
    }

    /**
     * Runs the task's implementation with decoded arguments.
     *
     * @return the method's return value (null for void)
     * @throws Throwable whatever the task threw, unwrapped
     * @throws IllegalStateException when no implementation is registered
     */
    public Object invoke(Object[] args) throws Throwable {
        if (implementation == null) {
            throw new IllegalStateException("task " + name + " has no implementation registered in this process");
        }
        try {
            return method.invoke(implementation, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    String describeParameters() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < parameterTypes.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(parameterTypes.get(i).toCanonical()).append(' ').append(method.getParameters()[i].getName());
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return "TaskDefinition[" + name + " " + describeParameters() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskDefinition d && d.name.equals(name) && d.method.equals(method)
                && Objects.equals(d.implementation, implementation);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
