package dev.tasks.redis;

import dev.tasks.spi.Delivery;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading the fields of queue stream entries. An entry written by something else (fields missing, not
 * numbers) still reads: as a delivery with the payload it has (empty if none), which the worker
 * dead-letters; it never breaks a fetch.
 */
final class StreamEntries {
    private StreamEntries() {}

    /**
     * A delivery from one entry: {@code stream} is {@code "r<level>"} for a level's redelivery stream (whose
     * fields carry the delivery count) or the level.
     */
    static Delivery toDelivery(String queue, String stream, String entryId, Map<String, String> fields) {
        boolean redelivery = stream.charAt(0) == 'r';
        String at = fields.get("t");
        String payload = fields.get("p");
        int count = redelivery ? parseCount(fields.get("n")) : 1;
        String member = stream + "-" + entryId;
        return new Delivery(queue, fields.get("id"), payload == null ? "" : payload, count, member + ":" + count,
                at == null ? null : parseMillis(at));
    }

    /** The fields of an entry as a script returns them: a flat list of names and values. */
    static Map<String, String> fieldsOf(Object fields) {
        if (!(fields instanceof List<?> l)) {
            return Map.of();
        }
        Map<String, String> m = new HashMap<>(8);
        for (int i = 0; i + 1 < l.size(); i += 2) {
            m.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
        }
        return m;
    }

    /** A time in epoch milliseconds, or null if {@code v} is not one. */
    static Instant parseMillis(String v) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(v));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return null;
        }
    }

    private static int parseCount(String v) {
        if (v == null) {
            return 2;
        }
        try {
            return Math.max(1, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return 2;
        }
    }
}
