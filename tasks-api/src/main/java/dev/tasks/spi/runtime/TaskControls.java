package dev.tasks.spi.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.Task;
import dev.tasks.TaskDefinition;
import dev.tasks.TaskDefinitionException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The control settings of one task ({@link Task#storeResult()}, {@link Task#rateLimit()},
 * {@link Task#rateLimitKey()}, {@link Task#concurrency()}), parsed and validated. Immutable and
 * thread-safe. Internal: used by the task registry (to reject bad values at registration) and the worker.
 *
 * @param storeResult whether the state is recorded even when the method returns nothing
 * @param rateInterval the spacing between two runs under the rate limit, or null for none
 * @param rateLimit the rate limit as written, or null
 * @param rateKeyArg index of the argument the rate limit is counted per, or -1 for the whole task
 * @param rateKeyPath field names inside that argument (may be empty)
 * @param concurrency the most runs at the same time, 0 for no limit
 */
public record TaskControls(boolean storeResult, Duration rateInterval, String rateLimit, int rateKeyArg,
        List<String> rateKeyPath, int concurrency) {

    private static final Pattern RATE = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*(\\S+)\\s*");
    private static final Pattern KEY = Pattern.compile("arg:(\\d{1,3})((?:\\.[A-Za-z_$][A-Za-z0-9_$]*)*)");
    private static final Map<Method, TaskControls> CACHE = new ConcurrentHashMap<>();

    /** No controls: the settings of a method without them. */
    public static final TaskControls NONE = new TaskControls(false, null, null, -1, List.of(), 0);

    /** The controls of a task (parsed once per method). */
    public static TaskControls of(TaskDefinition definition) {
        return CACHE.computeIfAbsent(definition.method(), m -> {
            Task t = m.getAnnotation(Task.class);
            return t == null ? NONE : parse(m, t);
        });
    }

    /**
     * Parses and validates the control attributes of a {@code @Task} method.
     *
     * @throws TaskDefinitionException naming the method and the bad value
     */
    public static TaskControls parse(Method m, Task t) {
        String where = m.getDeclaringClass().getName() + "." + m.getName();
        Duration interval = null;
        String rate = t.rateLimit().isBlank() ? null : t.rateLimit().trim();
        if (rate != null) {
            interval = interval(where, rate);
        }
        int keyArg = -1;
        List<String> path = List.of();
        if (!t.rateLimitKey().isBlank()) {
            if (rate == null) {
                throw new TaskDefinitionException(where + ": rateLimitKey = \"" + t.rateLimitKey()
                        + "\" needs a rateLimit");
            }
            Matcher k = KEY.matcher(t.rateLimitKey().trim());
            if (!k.matches()) {
                throw new TaskDefinitionException(where + ": rateLimitKey = \"" + t.rateLimitKey()
                        + "\" must be \"arg:<index>\" or \"arg:<index>.<field>\" (e.g. \"arg:0\", \"arg:1.customerId\")");
            }
            keyArg = Integer.parseInt(k.group(1));
            if (keyArg >= m.getParameterCount()) {
                throw new TaskDefinitionException(where + ": rateLimitKey = \"" + t.rateLimitKey() + "\" names argument "
                        + keyArg + " but the method takes " + m.getParameterCount());
            }
            path = k.group(2).isEmpty() ? List.of() : List.of(k.group(2).substring(1).split("\\."));
        }
        if (t.concurrency() < 0) {
            throw new TaskDefinitionException(where + ": concurrency must be >= 0 (0: no limit), was " + t.concurrency());
        }
        return new TaskControls(t.storeResult(), interval, rate, keyArg, path, t.concurrency());
    }

    private static Duration interval(String where, String rate) {
        Matcher r = RATE.matcher(rate);
        if (!r.matches()) {
            throw new TaskDefinitionException(where + ": rateLimit = \"" + rate
                    + "\" must be \"<n>/<unit>\" with unit s, m, h, d or an ISO-8601 duration (e.g. \"100/s\", \"10/PT30S\")");
        }
        long n = Long.parseLong(r.group(1));
        if (n < 1) {
            throw new TaskDefinitionException(where + ": rateLimit = \"" + rate + "\" must allow at least 1 run");
        }
        Duration window = switch (r.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            case "d" -> Duration.ofDays(1);
            default -> {
                try {
                    yield Duration.parse(r.group(2));
                } catch (DateTimeParseException e) {
                    throw new TaskDefinitionException(where + ": rateLimit = \"" + rate + "\": unit '" + r.group(2)
                            + "' is not s, m, h, d or an ISO-8601 duration", e);
                }
            }
        };
        if (window.isNegative() || window.isZero()) {
            throw new TaskDefinitionException(where + ": rateLimit = \"" + rate + "\" needs a positive window");
        }
        Duration interval = window.dividedBy(n);
        if (interval.toNanos() < 1_000) {
            throw new TaskDefinitionException(where + ": rateLimit = \"" + rate
                    + "\" is more than one run per microsecond; drop the limit instead");
        }
        return interval;
    }

    /** Whether runs are rate limited. */
    public boolean rateLimited() {
        return rateInterval != null;
    }

    /**
     * The key the rate limit of a run with these JSON arguments is counted under: the task name, plus the
     * key value when {@link Task#rateLimitKey()} is set (a missing value counts as {@code null}).
     */
    public String rateKey(String taskName, JsonNode args) {
        if (rateKeyArg < 0) {
            return taskName;
        }
        JsonNode v = args == null ? null : args.get(rateKeyArg);
        for (String f : rateKeyPath) {
            v = v == null ? null : v.get(f);
        }
        String value = v == null || v.isNull() ? "null" : v.isValueNode() ? v.asText() : v.toString();
        return taskName + "|" + value;
    }

    /** The rate limit as written, if any. */
    public Optional<String> rateLimitText() {
        return Optional.ofNullable(rateLimit);
    }
}
