package dev.tasks.message;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The wire message of one task, protocol version {@value #PROTOCOL_VERSION}. Immutable.
 *
 * <p>Fields (JSON names in brackets): protocol version [v], task id [id], task name [task], positional
 * arguments [args], named arguments [kwargs], queue [queue], earliest start [eta], expiry [expires],
 * attempt number from 0 [attempt], retries allowed [maxRetries], idempotency key [idempotencyKey],
 * priority [priority], string headers [headers], the id of the task that enqueued it [parentId], the id of
 * the first task of its workflow [rootId], creation time [createdAt]. Readers ignore unknown fields so
 * that newer producers can add fields during a rolling deploy. See {@code docs/wire-format.md}.
 *
 * @param v protocol version
 * @param id task id, unique per enqueue (a retry keeps it)
 * @param task task name
 * @param args positional arguments as a JSON array (never null)
 * @param kwargs named arguments as a JSON object, or null
 * @param queue queue the task was routed to
 * @param eta earliest start, or null for "now"
 * @param expires instant after which the task must not start, or null
 * @param attempt 0 for the first run, n for the n-th retry
 * @param maxRetries retries allowed, or null for the task's own setting
 * @param idempotencyKey key that makes repeated runs no-ops, or null
 * @param priority priority, {@link dev.tasks.Priority#MIN} to {@link dev.tasks.Priority#MAX}
 * @param headers free-form string headers (never null)
 * @param parentId id of the task that enqueued this one, or null
 * @param rootId id of the first task of the workflow, or null
 * @param createdAt when the task was first enqueued
 * @param link workflow to start when this task succeeds, its result passed on [link], or null
 * @param chord the chord this task reports its result to when it succeeds [chord], or null
 * @param storeResult whether the worker records this task's state and result even if its method returns
 *     nothing [storeResult], or null for the task's own setting
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Envelope(
        @JsonProperty(value = "v", required = true) int v,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty(value = "id", required = true) String id,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty(value = "task", required = true) String task,
        @JsonProperty("args") JsonNode args,
        @JsonProperty("kwargs") JsonNode kwargs,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty("queue") String queue,
        @JsonDeserialize(using = WireTypes.Time.class) @JsonProperty("eta") Instant eta,
        @JsonDeserialize(using = WireTypes.Time.class) @JsonProperty("expires") Instant expires,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("maxRetries") Integer maxRetries,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty("idempotencyKey") String idempotencyKey,
        @JsonProperty("priority") int priority,
        @JsonDeserialize(contentUsing = WireTypes.HeaderValue.class) @JsonProperty("headers") Map<String, String> headers,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty("parentId") String parentId,
        @JsonDeserialize(using = WireTypes.Text.class) @JsonProperty("rootId") String rootId,
        @JsonDeserialize(using = WireTypes.Time.class) @JsonProperty("createdAt") Instant createdAt,
        @JsonProperty("link") JsonNode link,
        @JsonProperty("chord") JsonNode chord,
        @JsonProperty("storeResult") Boolean storeResult) {

    /** The protocol version this code writes, and the highest it reads. */
    public static final int PROTOCOL_VERSION = 1;

    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        args = args == null ? new ArrayNode(JsonNodeFactory.instance) : args;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** Starts an envelope of the current protocol version. */
    public static Builder builder(String id, String task) {
        return new Builder(id, task);
    }

    /** A builder holding this envelope's values. */
    public Builder toBuilder() {
        Builder b = new Builder(id, task);
        b.args = args;
        b.kwargs = kwargs;
        b.queue = queue;
        b.eta = eta;
        b.expires = expires;
        b.attempt = attempt;
        b.maxRetries = maxRetries;
        b.idempotencyKey = idempotencyKey;
        b.priority = priority;
        b.headers = headers;
        b.parentId = parentId;
        b.rootId = rootId;
        b.createdAt = createdAt;
        b.link = link;
        b.chord = chord;
        b.storeResult = storeResult;
        return b;
    }

    /** This envelope for the next attempt, not to start before {@code eta}. */
    public Envelope nextAttempt(Instant eta) {
        return toBuilder().attempt(attempt + 1).eta(eta).build();
    }

    /** Builds {@link Envelope}s. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private final String task;
        private JsonNode args;
        private JsonNode kwargs;
        private String queue;
        private Instant eta;
        private Instant expires;
        private int attempt;
        private Integer maxRetries;
        private String idempotencyKey;
        private int priority;
        private Map<String, String> headers = Map.of();
        private String parentId;
        private String rootId;
        private Instant createdAt;
        private JsonNode link;
        private JsonNode chord;
        private Boolean storeResult;

        private Builder(String id, String task) {
            this.id = Objects.requireNonNull(id, "id");
            this.task = Objects.requireNonNull(task, "task");
        }

        public Builder args(JsonNode args) { this.args = args; return this; }
        public Builder kwargs(JsonNode kwargs) { this.kwargs = kwargs; return this; }
        public Builder queue(String queue) { this.queue = queue; return this; }
        public Builder eta(Instant eta) { this.eta = eta; return this; }
        public Builder expires(Instant expires) { this.expires = expires; return this; }
        public Builder attempt(int attempt) { this.attempt = attempt; return this; }
        public Builder maxRetries(Integer maxRetries) { this.maxRetries = maxRetries; return this; }
        public Builder idempotencyKey(String key) { this.idempotencyKey = key; return this; }
        public Builder priority(int priority) { this.priority = priority; return this; }
        public Builder headers(Map<String, String> headers) { this.headers = headers; return this; }
        public Builder parentId(String parentId) { this.parentId = parentId; return this; }
        public Builder rootId(String rootId) { this.rootId = rootId; return this; }
        public Builder createdAt(Instant createdAt) { this.createdAt = createdAt; return this; }
        public Builder link(JsonNode link) { this.link = link; return this; }
        public Builder chord(JsonNode chord) { this.chord = chord; return this; }
        public Builder storeResult(Boolean storeResult) { this.storeResult = storeResult; return this; }

        public Envelope build() {
            return new Envelope(PROTOCOL_VERSION, id, task, args, kwargs, queue, eta, expires, attempt,
                    maxRetries, idempotencyKey, priority, headers, parentId, rootId, createdAt, link, chord, storeResult);
        }
    }
}
