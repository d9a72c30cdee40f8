package dev.tasks.reliability;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * A seeded generator of messages as a buggy or hostile producer writes them straight into a broker: random
 * bytes, truncated and deeply nested JSON, a wrong type or value in every field of the wire format, payloads
 * over the size limit, and unicode edge cases (lone surrogates, NUL, bidirectional marks, forged log lines,
 * 10 KB names) in ids and task names; and good {@code rel.record} messages to interleave with them. The same
 * seed gives the same messages, so a failing run can be replayed. Not thread-safe.
 *
 * <p>Every bad message that names {@code rel.record} records a key starting with {@value #BAD_KEY_PREFIX}, so
 * a bad message that runs shows in the run log.
 */
final class BadMessages {
    static final String BAD_KEY_PREFIX = "bad-";
    static final String FORGED_TIME = "99:99:99.999";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] FIELDS = {"v", "id", "task", "args", "kwargs", "queue", "eta", "expires", "attempt",
        "maxRetries", "idempotencyKey", "priority", "headers", "parentId", "rootId", "createdAt", "link", "chord",
        "storeResult"};

    /** One message: its payload as written, whether it is valid, and what kind of bad it is. */
    record Message(String payload, boolean good, String kind) {}

    private final SplittableRandom random;
    private final String queue;
    private int serial;

    BadMessages(long seed, String queue) {
        this.random = new SplittableRandom(seed);
        this.queue = queue;
    }

    /** A random priority level 0-9 (where a broker wants one besides the payload). */
    int level() {
        return random.nextInt(10);
    }

    /** A valid {@code rel.record} message recording {@code key}. */
    Message good(String key) {
        return new Message(envelope("rel.record", key).toString(), true, "good");
    }

    /** A random bad message. */
    Message bad() {
        int n = serial++;
        String key = BAD_KEY_PREFIX + n;
        int pick = random.nextInt(100);
        if (pick < 10) {
            return new Message(randomText(), false, "random bytes");
        }
        if (pick < 22) {
            String whole = envelope("rel.record", key).toString();
            return new Message(whole.substring(0, random.nextInt(whole.length())), false, "truncated json");
        }
        if (pick < 27) {
            return new Message(nested(key), false, "deeply nested json");
        }
        if (pick < 70) {
            return wrongField(key);
        }
        if (pick < 71 && random.nextInt(3) == 0) {
            return new Message(huge(key), false, "over the size limit");
        }
        if (pick < 85) {
            return unicode(key);
        }
        if (pick < 95) {
            return badArguments(key);
        }
        String name = "nobody." + randomPrintable(1 + random.nextInt(40));
        return new Message(envelope(name, key).toString(), false, "unknown task");
    }

    /** The text a store keeps of {@code payload}: UTF-8 has no unpaired surrogates (they become '?'). */
    static String asUtf8(String payload) {
        return new String(payload.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private ObjectNode envelope(String task, String key) {
        ObjectNode e = JSON.objectNode();
        e.put("v", 1);
        e.put("id", UUID.nameUUIDFromBytes(longBytes(random.nextLong())).toString());
        e.put("task", task);
        e.putArray("args").add(key).add(0);
        e.put("queue", queue);
        e.put("attempt", 0);
        e.put("priority", random.nextInt(10));
        e.putObject("headers").put("origin", "fuzz");
        e.put("createdAt", "2026-12-07T00:00:00Z");
        return e;
    }

    private Message wrongField(String key) {
        ObjectNode e = envelope("rel.record", key);
        String field = FIELDS[random.nextInt(FIELDS.length)];
        int variant = random.nextInt(4);
        switch (field) {
            case "v" -> pick(e, field, variant, () -> e.put(field, 2), () -> e.put(field, "1"), () -> e.remove(field),
                    () -> e.put(field, 0));
            case "id" -> pick(e, field, variant, () -> e.put(field, 42), () -> e.putObject(field).put("a", 1),
                    () -> e.put(field, ""), () -> e.remove(field));
            case "task" -> pick(e, field, variant, () -> e.put(field, 5), () -> e.putArray(field).add("rel.record"),
                    () -> e.putNull(field), () -> e.remove(field));
            case "args" -> pick(e, field, variant, () -> e.putObject(field).put("key", key), () -> e.put(field, key),
                    () -> e.put(field, 7), () -> e.putNull(field));
            case "kwargs" -> pick(e, field, variant, () -> e.putArray(field).add(1), () -> e.put(field, "k"),
                    () -> e.put(field, 3), () -> e.put(field, true));
            case "queue" -> pick(e, field, variant, () -> e.put(field, 9), () -> e.putArray(field),
                    () -> e.put(field, "q\u0000ueue"), () -> e.put(field, "q".repeat(201)));
            case "eta", "expires", "createdAt" -> pick(e, field, variant, () -> e.put(field, 1_700_000_000),
                    () -> e.put(field, "yesterday"), () -> e.putObject(field), () -> e.put(field, "2026-13-45T99:00:00Z"));
            case "attempt" -> pick(e, field, variant, () -> e.put(field, -5), () -> e.put(field, "0"),
                    () -> e.put(field, 1.5), () -> e.put(field, 1e12));
            case "maxRetries" -> pick(e, field, variant, () -> e.put(field, -1), () -> e.put(field, "3"),
                    () -> e.putArray(field), () -> e.put(field, 2.5));
            case "idempotencyKey" -> pick(e, field, variant, () -> e.put(field, 12), () -> e.put(field, ""),
                    () -> e.put(field, "k\u0000ey"), () -> e.put(field, "k".repeat(513)));
            case "priority" -> pick(e, field, variant, () -> e.put(field, 99), () -> e.put(field, -1),
                    () -> e.put(field, "5"), () -> e.put(field, 10));
            case "headers" -> pick(e, field, variant, () -> e.putObject(field).put("n", 1),
                    () -> e.putObject(field).putObject("o"), () -> e.putArray(field).add("x"),
                    () -> e.putObject(field).putNull("nul"));
            case "parentId", "rootId" -> pick(e, field, variant, () -> e.put(field, 42), () -> e.put(field, "p\u0000"),
                    () -> e.put(field, "p".repeat(256)), () -> e.putObject(field));
            case "link", "chord" -> pick(e, field, variant, () -> e.putArray(field), () -> e.put(field, "next"),
                    () -> e.put(field, 1), () -> e.put(field, false));
            case "storeResult" -> pick(e, field, variant, () -> e.put(field, "yes"), () -> e.put(field, 1),
                    () -> e.putObject(field), () -> e.putArray(field));
            default -> throw new IllegalStateException(field);
        }
        return new Message(e.toString(), false, "wrong " + field);
    }

    private static void pick(ObjectNode e, String field, int variant, Runnable... changes) {
        changes[variant % changes.length].run();
    }

    private Message unicode(String key) {
        String[] names = {
            "rel.record\u0000", "rel.\u202erecord", "rel.record\ud800", "\udc00rel.record", "rel.record\u2028",
            "rel.record\u001b[31m", "rel.record\u0085", "x\n" + FORGED_TIME + " ERROR [main] d.t.w.Worker - FORGED LINE",
            "n".repeat(10_240), "rel.record\r\n" + FORGED_TIME + " INFO  [main] forged", "rel.\u200frecord"};
        String edge = names[random.nextInt(names.length)];
        ObjectNode e = envelope("rel.record", key);
        String where = random.nextBoolean() ? "task" : "id";
        e.put(where, edge);
        return new Message(jsonEscapeLoneSurrogates(e.toString()), false, "unicode edge in " + where);
    }

    /**
     * A lone surrogate written raw does not survive UTF-8 storage (it becomes '?'); written as a JSON escape
     * it reaches the worker as the producer meant it.
     */
    private static String jsonEscapeLoneSurrogates(String json) {
        StringBuilder sb = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < json.length()
                    && Character.isLowSurrogate(json.charAt(i + 1));
            if (paired) {
                sb.append(c).append(json.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private Message badArguments(String key) {
        List<String> args = List.of("[]", "[\"K\"]", "[\"K\",\"0\"]", "[\"K\",1.5]", "[1,0]", "[\"K\",0,0]",
                "[\"K\",null]", "[{\"@class\":\"" + Canary.NAME + "\"},0]", "[[\"K\"],0]", "[\"K\",1e400]",
                "[\"K\",99999999999999999999]");
        String a = args.get(random.nextInt(args.size())).replace("K", key);
        ObjectNode e = envelope("rel.record", key);
        return new Message(e.toString().replace("\"args\":[\"" + key + "\",0]", "\"args\":" + a), false, "bad arguments");
    }

    private String nested(String key) {
        int depth = 201 + random.nextInt(3000);
        boolean objects = random.nextBoolean();
        String inner = objects ? "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "]".repeat(depth);
        String whole = envelope("rel.record", key).toString();
        return random.nextBoolean() ? whole.replace("\"args\":[", "\"args\":[" + inner + ",")
                : whole.replace("\"headers\":{", "\"kwargs\":" + (objects ? inner : "{\"x\":" + inner + "}")
                        + ",\"headers\":{");
    }

    private String huge(String key) {
        // 3-byte characters: over 1 MiB of UTF-8 while under a million characters (H2's longest VARCHAR)
        String big = "\u20ac".repeat(360_000 + random.nextInt(300_000));
        ObjectNode e = envelope("rel.record", key);
        e.putObject("headers").put("blob", big);
        return e.toString();
    }

    private String randomText() {
        int n = random.nextInt(300);
        StringBuilder sb = new StringBuilder(n);
        boolean bytes = random.nextBoolean();
        for (int i = 0; i < n; i++) {
            sb.append((char) (bytes ? random.nextInt(256) : random.nextInt(0x10000)));
        }
        return sb.toString();
    }

    private String randomPrintable(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('!' + random.nextInt(94)));
        }
        return sb.toString();
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
