package dev.tasks.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.Priority;
import dev.tasks.spi.support.LogSafe;

/**
 * The rules of {@code docs/wire-format.md} that a decoded {@link Envelope} must meet beyond its JSON types
 * (which {@link EnvelopeCodec#decode(String)} checks while reading). Each broken rule is reported as one
 * line naming the field and the rule, such as {@code priority must be 0-9, was 99}. Stateless.
 *
 * <p>Ids, task names, queue names and idempotency keys must be non-empty, within the lengths every broker
 * and store can keep, and free of control characters, line separators, bidirectional marks and unpaired
 * surrogates (which no producer of this framework writes, and which PostgreSQL or a log cannot hold).
 */
public final class EnvelopeValidator {
    /** Longest task id: the width of the id columns of the SQL broker. */
    public static final int MAX_ID_LENGTH = 255;
    /** Longest task name: the width of the task name column of the SQL result store. */
    public static final int MAX_TASK_NAME_LENGTH = 255;
    /** Longest queue name: the width of the queue columns of the SQL broker. */
    public static final int MAX_QUEUE_LENGTH = 200;
    /** Longest idempotency key: the width of the key column of the SQL idempotency store. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 512;

    private static final int SHOWN = 60;

    private EnvelopeValidator() {}

    /** The first rule {@code e} breaks, as one line naming the field and the rule, or null if it breaks none. */
    public static String violation(Envelope e) {
        String v = text("id", e.id(), MAX_ID_LENGTH, true);
        if (v == null) {
            v = text("task", e.task(), MAX_TASK_NAME_LENGTH, true);
        }
        if (v == null) {
            v = text("queue", e.queue(), MAX_QUEUE_LENGTH, false);
        }
        if (v == null) {
            v = text("idempotencyKey", e.idempotencyKey(), MAX_IDEMPOTENCY_KEY_LENGTH, false);
        }
        if (v == null) {
            v = text("parentId", e.parentId(), MAX_ID_LENGTH, false);
        }
        if (v == null) {
            v = text("rootId", e.rootId(), MAX_ID_LENGTH, false);
        }
        if (v != null) {
            return v;
        }
        if (e.priority() < Priority.MIN || e.priority() > Priority.MAX) {
            return "priority must be " + Priority.MIN + "-" + Priority.MAX + ", was " + e.priority();
        }
        if (e.attempt() < 0) {
            return "attempt must be >= 0, was " + e.attempt();
        }
        if (e.maxRetries() != null && e.maxRetries() < 0) {
            return "maxRetries must be >= 0, was " + e.maxRetries();
        }
        if (!e.args().isArray()) {
            return "args must be a JSON array, was " + type(e.args());
        }
        v = object("kwargs", e.kwargs());
        if (v == null) {
            v = object("link", e.link());
        }
        if (v == null) {
            v = object("chord", e.chord());
        }
        return v;
    }

    private static String text(String field, String value, int max, boolean required) {
        if (value == null) {
            return required ? field + " is required" : null;
        }
        if (value.isEmpty()) {
            return field + " must not be empty";
        }
        if (value.length() > max) {
            return field + " must be at most " + max + " characters, was " + value.length() + " ('"
                    + LogSafe.escape(value, SHOWN) + "')";
        }
        if (LogSafe.hasUnsafeCharacter(value)) {
            return field + " must not contain control characters, line separators, bidirectional marks or"
                    + " unpaired surrogates, was '" + LogSafe.escape(value, SHOWN) + "'";
        }
        return null;
    }

    private static String object(String field, JsonNode node) {
        if (node == null || node.isNull() || node.isObject()) {
            return null;
        }
        return field + " must be a JSON object, was " + type(node);
    }

    private static String type(JsonNode node) {
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
