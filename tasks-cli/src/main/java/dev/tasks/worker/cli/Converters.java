package dev.tasks.worker.cli;

import dev.tasks.spi.Queues;
import dev.tasks.spi.support.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Option value converters with one-line error messages. */
final class Converters {

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
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("invalid duration '" + value
                    + "': use ISO-8601 (PT30S, PT5M) or a number with ms, s, m, h or d (30s)");
        }
        if (d.isNegative()) {
            throw new CommandLine.TypeConversionException("invalid duration '" + value + "': must not be negative");
        }
        return d;
    }
}
