package dev.tasks.jdbc;

import dev.tasks.ConfigurationException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Qualified names of the broker's tables for one schema and table prefix. Immutable. */
final class TableNames {
    static final String DEFAULT_PREFIX = "tasks_";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,39}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,29}");

    final String schema;
    final String prefix;
    final String messages;
    final String deadLetters;
    final String queues;
    final String idempotency;
    final String results;
    final String locks;
    final String state;
    final String outbox;
    final String instance;
    final String schemaVersion;
    final String schemaLock;

    TableNames(String schema, String prefix) {
        if (schema != null && !IDENTIFIER.matcher(schema).matches()) {
            throw new ConfigurationException("jdbc.schema must be a plain SQL identifier (letters, digits, '_', "
                    + "not starting with a digit, at most 40 characters), was '" + schema + "'");
        }
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new ConfigurationException("jdbc.tablePrefix must be a plain SQL identifier prefix (letters, digits, "
                    + "'_', not starting with a digit, at most 30 characters), was '" + prefix + "'");
        }
        this.schema = schema;
        this.prefix = prefix;
        this.messages = table("messages");
        this.deadLetters = table("dead_letters");
        this.queues = table("queues");
        this.idempotency = table("idempotency_keys");
        this.results = table("results");
        this.locks = table("locks");
        this.state = table("state");
        this.outbox = table("outbox");
        this.instance = table("instance");
        this.schemaVersion = table("schema_version");
        this.schemaLock = table("schema_lock");
    }

    /** {@code schema.prefix} or {@code prefix}: what table names start with. */
    String qualifiedPrefix() {
        return schema == null ? prefix : schema + "." + prefix;
    }

    String table(String base) {
        return qualifiedPrefix() + base;
    }

    /** The PostgreSQL notification channel on which enqueues are announced (queue name as payload). */
    String channel() {
        return ((schema == null ? "" : schema + "_") + prefix + "ready").toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return qualifiedPrefix() + "*";
    }
}
