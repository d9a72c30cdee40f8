package dev.tasks.routing;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskDefinition;
import dev.tasks.spi.Queues;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Ordered routing rules from task-name globs to queues, like Celery's {@code task_routes}. Immutable and
 * thread-safe.
 *
 * <p>A task's queue is, in order: the queue given for the call; the first rule whose glob matches the
 * task name; the task's {@code @Task(queue)}; its module's {@code @TaskModule(queue)}; {@code default}.
 * Globs: {@code *} matches any run of characters (dots included), {@code ?} one character; everything
 * else is literal. Rules come from code ({@link #builder()}) or from configuration
 * ({@link #parse(String)}: {@code orders.*=orders, analytics.*=analytics_low_priority}).
 */
public final class Routes {

    /** The property naming the rules in {@code tasks.properties}. */
    public static final String PROPERTY = "tasks.routes";

    private static final Routes NONE = new Routes(List.of());

    private final List<Rule> rules;

    private Routes(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No rules: tasks go to their own or their module's queue, else {@code default}. */
    public static Routes none() {
        return NONE;
    }

    /** A builder of rules; the first added is tried first. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses {@code glob=queue} pairs separated by commas or new lines, in order.
     *
     * @throws ConfigurationException naming the malformed pair
     */
    public static Routes parse(String spec) {
        Builder b = builder();
        if (spec == null) {
            return b.build();
        }
        for (String raw : spec.split("[,\\n]")) {
            String pair = raw.trim();
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new ConfigurationException("routing rule '" + pair + "' must be 'glob=queue', e.g. 'orders.*=orders'");
            }
            String glob = pair.substring(0, eq).trim();
            String queue = pair.substring(eq + 1).trim();
            try {
                b.route(glob, queue);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("routing rule '" + pair + "': " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** Reads {@value #PROPERTY} from properties. */
    public static Routes fromProperties(Properties properties) {
        return parse(properties.getProperty(PROPERTY));
    }

    /**
     * Reads {@value #PROPERTY} from a properties file.
     *
     * @throws ConfigurationException when the file cannot be read or a rule is malformed
     */
    public static Routes fromFile(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read routing rules from " + file + ": " + e.getMessage(), e);
        }
        return fromProperties(p);
    }

    /** The queue the first matching rule names, if any. */
    public Optional<String> match(String taskName) {
        for (Rule r : rules) {
            if (r.pattern.matcher(taskName).matches()) {
                return Optional.of(r.queue);
            }
        }
        return Optional.empty();
    }

    /**
     * The queue for a task.
     *
     * @param callQueue the queue given for the call, or null
     * @param taskName the task name
     * @param definition the task's definition if known, or null
     */
    public String resolve(String callQueue, String taskName, TaskDefinition definition) {
        if (callQueue != null) {
            return callQueue;
        }
        Optional<String> ruled = match(taskName);
        if (ruled.isPresent()) {
            return ruled.get();
        }
        if (definition != null) {
            if (definition.queue().isPresent()) {
                return definition.queue().get();
            }
            if (definition.moduleQueue().isPresent()) {
                return definition.moduleQueue().get();
            }
        }
        return Queues.DEFAULT_QUEUE;
    }

    /** The rules, in order, as {@code glob=queue}. */
    public List<String> rules() {
        return rules.stream().map(r -> r.glob + "=" + r.queue).toList();
    }

    @Override
    public String toString() {
        return "Routes" + rules();
    }

    private record Rule(String glob, String queue, Pattern pattern) {}

    /** Builds {@link Routes}. Not thread-safe. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a rule after the existing ones.
         *
         * @throws IllegalArgumentException for an empty glob or an invalid queue name
         */
        public Builder route(String glob, String queue) {
            Objects.requireNonNull(glob, "glob");
            if (glob.isBlank()) {
                throw new IllegalArgumentException("glob must not be empty");
            }
            Queues.check(queue);
            rules.add(new Rule(glob, queue, compile(glob)));
            return this;
        }

        /** The rules. */
        public Routes build() {
            return new Routes(rules);
        }

        private static Pattern compile(String glob) {
            StringBuilder re = new StringBuilder();
            for (char c : glob.toCharArray()) {
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString());
        }
    }
}
