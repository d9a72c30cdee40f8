package dev.tasks.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints every figure as one line of {@code key=value} pairs on stdout:
 * <pre>
 * LIMIT name=redis_benchmark_xadd value=64143 unit=ops/s source="redis-benchmark -n 200000 -c 50 XADD"
 * RESULT broker=redis metric=process_noop_c16 value=123456 unit=tasks/s ratio_to_limit=1.62 limit=redis_benchmark_xadd
 * SKIP broker=postgres scenario=all reason="..."
 * FAIL broker=redis scenario=latency error="..."
 * </pre>
 * A ratio is {@code value / limit}; {@code NA} when the limit was not measured.
 */
final class Report {

    /** A reference figure measured in the same run. */
    record Limit(String name, double value, String unit) {}

    /** One printed result. */
    record Result(String broker, String metric, double value, String unit, String limit, Double ratio) {}

    private final PrintStream out;
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private final List<Result> results = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    Report(PrintStream out) {
        this.out = out;
    }

    void limit(String name, double value, String unit, String source) {
        limits.put(name, new Limit(name, value, unit));
        line("LIMIT name=" + name + " value=" + fmt(value) + " unit=" + unit + " source=" + quote(source));
    }

    Double limitValue(String name) {
        Limit l = limits.get(name);
        return l == null ? null : l.value();
    }

    void result(String broker, String metric, double value, String unit, String limit) {
        result(broker, metric, value, unit, limit, Map.of());
    }

    void result(String broker, String metric, double value, String unit, String limit, Map<String, String> extra) {
        Double lv = limitValue(limit);
        Double ratio = lv == null || lv == 0 ? null : value / lv;
        results.add(new Result(broker, metric, value, unit, limit, ratio));
        StringBuilder b = new StringBuilder("RESULT broker=").append(broker).append(" metric=").append(metric)
                .append(" value=").append(fmt(value)).append(" unit=").append(unit).append(" ratio_to_limit=")
                .append(ratio == null ? "NA" : String.format(Locale.ROOT, "%.2f", ratio)).append(" limit=").append(limit);
        new LinkedHashMap<>(extra).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        line(b.toString());
    }

    /** The ratio of {@code value} to a limit, formatted, or NA. */
    String ratio(double value, String limit) {
        Double lv = limitValue(limit);
        return lv == null || lv == 0 ? "NA" : String.format(Locale.ROOT, "%.2f", value / lv);
    }

    void skip(String broker, String scenario, String reason) {
        line("SKIP broker=" + broker + " scenario=" + scenario + " reason=" + quote(reason));
    }

    void fail(String broker, String scenario, Throwable error) {
        String message = error.getMessage() == null ? error.toString() : error.getClass().getSimpleName() + ": "
                + error.getMessage();
        failures.add(broker + "/" + scenario + ": " + message);
        line("FAIL broker=" + broker + " scenario=" + scenario + " error=" + quote(message));
    }

    void info(String text) {
        line("# " + text);
    }

    List<Result> results() {
        synchronized (results) {
            return List.copyOf(results);
        }
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    private synchronized void line(String s) {
        out.println(s);
        out.flush();
    }

    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "NA";
        }
        if (Math.abs(v) >= 100) {
            return Long.toString(Math.round(v));
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String quote(String s) {
        return '"' + (s == null ? "" : s.replace('"', '\'').replaceAll("[\\r\\n]+", " ")) + '"';
    }
}
