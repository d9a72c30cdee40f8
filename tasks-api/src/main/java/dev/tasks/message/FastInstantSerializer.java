package dev.tasks.message;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.ContextualSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.ser.InstantSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes instants in the canonical UTC form ({@code 2026-11-21T15:30:31.123Z}, exactly what
 * {@link java.time.format.DateTimeFormatter#ISO_INSTANT} writes: fractions in groups of three digits, none
 * when zero) without a formatter, which cost a fifth of an enqueue's CPU. Years outside 0..9999, dates
 * written as timestamps, and a property or type with its own {@code @JsonFormat} go to Jackson's own
 * {@link InstantSerializer}, so the output is byte for byte what it was.
 */
final class FastInstantSerializer extends StdSerializer<Instant> implements ContextualSerializer {

    private static final long serialVersionUID = 1L;
    private static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

    private static final InstantSerializer STANDARD = InstantSerializer.INSTANCE;

    FastInstantSerializer() {
        super(Instant.class);
    }

    @Override
    public JsonSerializer<?> createContextual(SerializerProvider prov, BeanProperty property)
            throws JsonMappingException {
        JsonFormat.Value format = findFormatOverrides(prov, property, Instant.class);
        if (format == null || format.equals(JsonFormat.Value.empty())) {
            return this;
        }
        return STANDARD.createContextual(prov, property);
    }

    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        if (provider.isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)) {
            STANDARD.serialize(value, gen, provider);
            return;
        }
        String text = formatCanonical(value);
        if (text == null) {
            STANDARD.serialize(value, gen, provider);
        } else {
            gen.writeString(text);
        }
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.fff[fff[fff]]]Z}, or null for a year outside 0..9999. */
    static String formatCanonical(Instant value) {
        long seconds = value.getEpochSecond();
        if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
            return null;
        }
        long epochDay = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        int nanos = value.getNano();
        char[] out = new char[30];
        put(out, 0, date.getYear(), 4);
        out[4] = '-';
        put(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        put(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        put(out, 11, secondOfDay / 3_600, 2);
        out[13] = ':';
        put(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        put(out, 17, secondOfDay % 60, 2);
        int n = 19;
        if (nanos != 0) {
            out[n++] = '.';
            if (nanos % 1_000_000 == 0) {
                put(out, n, nanos / 1_000_000, 3);
                n += 3;
            } else if (nanos % 1_000 == 0) {
                put(out, n, nanos / 1_000, 6);
                n += 6;
            } else {
                put(out, n, nanos, 9);
                n += 9;
            }
        }
        out[n++] = 'Z';
        return new String(out, 0, n);
    }

    /** Writes {@code value} as exactly {@code len} decimal digits (zero-padded) at {@code from}. */
    private static void put(char[] out, int from, int value, int len) {
        for (int i = from + len - 1; i >= from; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
