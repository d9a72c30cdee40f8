package dev.tasks.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SQL of one dialect for one set of table names. The text lives in class-path resources,
 * {@code dev/tasks/jdbc/sql/common.sql} (what every database runs as it is) and
 * {@code dev/tasks/jdbc/sql/<dialect>.sql} (its own statements, and its versions of common ones), each a
 * list of {@code -- name: <name>} headers followed by one statement; a file is read once per process. In a
 * statement {@code ${t}} stands for the schema-qualified table prefix, {@code ${PROMOTE_BATCH}} and
 * {@code ${PURGE_CHUNK}} for the limits below. Immutable and thread-safe.
 */
final class SqlStatements {
    static final int PROMOTE_BATCH = 1000;
    /** Rows one purge statement deletes at most; a purge repeats it until fewer are left. */
    static final int PURGE_CHUNK = 10_000;

    private static final Map<String, Map<String, String>> FILES = new ConcurrentHashMap<>();

    private final String dialect;
    private final Map<String, String> rendered;

    private SqlStatements(String dialect, Map<String, String> rendered) {
        this.dialect = dialect;
        this.rendered = rendered;
    }

    /** The statements of {@code dialect}'s folder for {@code names}. */
    static SqlStatements of(String folder, TableNames names) {
        Map<String, String> templates = new LinkedHashMap<>(file("common"));
        templates.putAll(file(folder));
        Map<String, String> out = new HashMap<>();
        templates.forEach((name, text) -> out.put(name, text
                .replace("${t}", names.qualifiedPrefix())
                .replace("${PROMOTE_BATCH}", Integer.toString(PROMOTE_BATCH))
                .replace("${PURGE_CHUNK}", Integer.toString(PURGE_CHUNK))));
        return new SqlStatements(folder, Map.copyOf(out));
    }

    /**
     * The statement called {@code name}.
     *
     * @throws IllegalStateException if the dialect has none of that name (a packaging error)
     */
    String get(String name) {
        String s = rendered.get(name);
        if (s == null) {
            throw new IllegalStateException("SQL statement '" + name + "' is missing for dialect " + dialect);
        }
        return s;
    }

    private static Map<String, String> file(String name) {
        return FILES.computeIfAbsent(name, SqlStatements::read);
    }

    private static Map<String, String> read(String file) {
        String resource = "sql/" + file + ".sql";
        String text;
        try (InputStream in = SqlStatements.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("SQL file " + resource + " is missing from the class path");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SQL file " + resource, e);
        }
        return parse(text, resource);
    }

    /** Splits a file at its {@code -- name:} headers; other comment lines and blank lines are dropped. */
    static Map<String, String> parse(String text, String resource) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("-- name:")) {
                put(out, current, body, resource);
                current = trimmed.substring("-- name:".length()).strip();
                body.setLength(0);
            } else if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                if (current == null) {
                    throw new IllegalStateException(resource + ": SQL before the first '-- name:' header");
                }
                body.append(body.length() == 0 ? "" : " ").append(trimmed);
            }
        }
        put(out, current, body, resource);
        return Map.copyOf(out);
    }

    private static void put(Map<String, String> out, String name, StringBuilder body, String resource) {
        if (name == null) {
            return;
        }
        String s = body.toString().strip();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        if (s.isEmpty() || out.put(name, s) != null) {
            throw new IllegalStateException(resource + ": statement '" + name + "' is empty or defined twice");
        }
    }
}
