package dev.tasks.beat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.ConfigurationException;
import dev.tasks.EnqueueOptions;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.support.Durations;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads schedules from a properties file. Each schedule is a group of keys
 * {@code beat.schedule.<name>.<attribute>}:
 *
 * <pre>
 * beat.schedule.nightly-report.cron=30 2 * * *
 * beat.schedule.nightly-report.task=reports.nightly
 * beat.schedule.nightly-report.args=["pdf", 7]
 * beat.schedule.nightly-report.zone=Europe/Paris
 * beat.schedule.nightly-report.queue=reports
 * beat.schedule.nightly-report.missed=run_once
 *
 * beat.schedule.sweep.interval=5m
 * beat.schedule.sweep.task=carts.sweepAbandoned
 * </pre>
 *
 * <table>
 *   <caption>Attributes</caption>
 *   <tr><td>{@code task}</td><td>required: the task name</td></tr>
 *   <tr><td>{@code cron} or {@code interval}</td><td>exactly one: a cron expression (see {@link Schedule})
 *       or a duration ({@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 {@code PT5M})</td></tr>
 *   <tr><td>{@code args}</td><td>a JSON array of positional arguments (default {@code []})</td></tr>
 *   <tr><td>{@code zone}</td><td>a time-zone id such as {@code America/New_York} (default {@code UTC})</td></tr>
 *   <tr><td>{@code queue}</td><td>a queue overriding the routing rules</td></tr>
 *   <tr><td>{@code priority}</td><td>0 to 9</td></tr>
 *   <tr><td>{@code expires}</td><td>a duration after which an unstarted run is dropped</td></tr>
 *   <tr><td>{@code missed}</td><td>{@code skip} (default) or {@code run_once}</td></tr>
 * </table>
 *
 * Keys that do not start with {@code beat.schedule.} are ignored, so the schedules may live in
 * {@code tasks.properties} beside other settings. Schedule names may contain dots; the attribute is the
 * part after the last dot. Thread-safe (stateless).
 */
public final class ScheduleConfig {
    /** The prefix of every schedule key. */
    public static final String PREFIX = "beat.schedule.";

    private static final Set<String> ATTRIBUTES =
            Set.of("task", "cron", "interval", "args", "zone", "queue", "priority", "expires", "missed");

    private ScheduleConfig() {}

    /**
     * Reads the schedules of a properties file (UTF-8).
     *
     * @throws ConfigurationException if the file cannot be read, or naming the schedule entry and what is
     *     wrong with it
     */
    public static List<Schedule> load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("cannot read schedule file " + file + ": " + e.getMessage(), e);
        }
        return parse(p, file.toString());
    }

    /**
     * Reads the schedules in {@code properties}, sorted by name.
     *
     * @param source where they came from, for error messages (a file name)
     * @throws ConfigurationException naming the schedule entry and what is wrong with it
     */
    public static List<Schedule> parse(Properties properties, String source) {
        Map<String, Map<String, String>> byName = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String rest = key.substring(PREFIX.length());
            int dot = rest.lastIndexOf('.');
            String attribute = dot < 0 ? "" : rest.substring(dot + 1);
            if (dot <= 0 || !ATTRIBUTES.contains(attribute)) {
                throw new ConfigurationException("schedule entry '" + key + "' in " + source + ": expected "
                        + PREFIX + "<name>.<attribute> with attribute one of " + new java.util.TreeSet<>(ATTRIBUTES));
            }
            byName.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
                    .put(attribute, properties.getProperty(key).trim());
        }
        List<Schedule> out = new ArrayList<>(byName.size());
        for (Map.Entry<String, Map<String, String>> e : byName.entrySet()) {
            out.add(schedule(e.getKey(), e.getValue(), source));
        }
        return out;
    }

    private static Schedule schedule(String name, Map<String, String> a, String source) {
        String where = "schedule '" + name + "' (" + PREFIX + name + ".* in " + source + ")";
        Schedule.Builder b;
        try {
            b = Schedule.builder(name);
        } catch (ConfigurationException e) {
            throw new ConfigurationException(where + ": " + e.getMessage(), e);
        }
        String task = a.get("task");
        if (task == null || task.isEmpty()) {
            throw new ConfigurationException(where + ": missing " + PREFIX + name + ".task");
        }
        b.task(task, args(a.get("args"), name, where));
        String cron = a.get("cron");
        String interval = a.get("interval");
        if ((cron == null) == (interval == null)) {
            throw new ConfigurationException(where + ": set exactly one of " + PREFIX + name + ".cron and " + PREFIX
                    + name + ".interval");
        }
        try {
            if (a.containsKey("zone")) {
                b.zone(ZoneId.of(a.get("zone")));
            }
        } catch (DateTimeException e) {
            throw new ConfigurationException(where + ": unknown time zone '" + a.get("zone") + "' in " + PREFIX + name
                    + ".zone; use an id such as UTC, Europe/Paris or America/New_York", e);
        }
        try {
            EnqueueOptions o = EnqueueOptions.defaults();
            if (a.containsKey("queue")) {
                o = o.queue(a.get("queue"));
            }
            if (a.containsKey("priority")) {
                o = o.priority(Integer.parseInt(a.get("priority")));
            }
            if (a.containsKey("expires")) {
                o = o.expires(Durations.parse(a.get("expires")));
            }
            b.options(o);
            if (a.containsKey("missed")) {
                b.missed(policy(a.get("missed")));
            }
            if (cron != null) {
                b.cron(cron);
            } else {
                b.every(Durations.parse(interval));
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where + ": " + e.getMessage(), e);
        } catch (ConfigurationException e) {
            throw rewrap(e, name, where);
        }
        try {
            return b.build();
        } catch (ConfigurationException e) {
            throw rewrap(e, name, where);
        }
    }

    /** Replaces the "schedule 'name'" prefix of a builder's message by the fuller location. */
    private static ConfigurationException rewrap(ConfigurationException e, String name, String where) {
        String prefix = "schedule '" + name + "'";
        String m = e.getMessage();
        return new ConfigurationException(where + (m.startsWith(prefix) ? m.substring(prefix.length()) : ": " + m), e);
    }

    private static Object[] args(String json, String name, String where) {
        if (json == null || json.isEmpty()) {
            return new Object[0];
        }
        EnvelopeCodec codec = EnvelopeCodec.json();
        try {
            JsonNode node = codec.readTree(json);
            if (node == null || !node.isArray()) {
                throw new ConfigurationException(where + ": " + PREFIX + name + ".args must be a JSON array such as"
                        + " [\"pdf\", 7], was " + json);
            }
            Object[] out = new Object[node.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = codec.mapper().treeToValue(node.get(i), Object.class);
            }
            return out;
        } catch (IOException e) {
            throw new ConfigurationException(where + ": " + PREFIX + name + ".args is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static MissedRunPolicy policy(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (MissedRunPolicy p : MissedRunPolicy.values()) {
            if (p.name().equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("missed must be skip or run_once, was '" + text + "'");
    }
}
