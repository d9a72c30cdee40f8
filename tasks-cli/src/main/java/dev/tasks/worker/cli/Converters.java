package dev.tasks.worker.cli;

import dev.tasks.spi.Queues;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Option value converters with one-line error messages. */
final class Converters {
    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Converters() {}

    /** A queue name, validated by the rules every broker shares. */
    static final class Queue implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String q = value.strip();
            if (!Queues.isValid(q)) {
                throw new CommandLine.TypeConversionException("invalid queue name '" + value
                        + "': use 1 to 200 letters, digits, '.', '_' or '-'");
            }
            return q;
        }
    }

    /** A duration: ISO-8601 ({@code PT30S}) or short ({@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h}). */
    static final class DurationValue implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    static Duration parseDuration(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(v);
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": d = Duration.ofMillis(n); break;
                case "s": d = Duration.ofSeconds(n); break;
                case "m": d = Duration.ofMinutes(n); break;
                default: d = Duration.ofHours(n); break;
            }
        } else {
            try {
                d = Duration.parse(value.strip().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("invalid duration '" + value
                        + "': use ISO-8601 (PT30S, PT5M) or a number with ms, s, m or h (30s)");
            }
        }
        if (d.isNegative()) {
            throw new CommandLine.TypeConversionException("invalid duration '" + value + "': must not be negative");
        }
        return d;
    }
}
