package dev.tasks.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a worker says about itself in the {@link WorkerDirectory}: who and where it is, what it consumes, how
 * busy it is, and when it last sent a heartbeat. Stored as a small JSON object with times in epoch
 * milliseconds; readers ignore fields they do not know.
 *
 * @param workerId the worker's id
 * @param host the host name the worker runs on
 * @param pid the worker process's id
 * @param queues the queues it consumes
 * @param concurrency its number of slots
 * @param running tasks running at its last heartbeat
 * @param version the library version it runs
 * @param startedAt when it started
 * @param heartbeatAt its last heartbeat
 * @param staleAt when the record is stale unless another heartbeat comes (a few heartbeat intervals on)
 */
public record WorkerInfo(String workerId, String host, long pid, List<String> queues, int concurrency, int running,
        String version, Instant startedAt, Instant heartbeatAt, Instant staleAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks for nulls, copies the queues and keeps times to the millisecond (as stored). */
    public WorkerInfo {
        Objects.requireNonNull(workerId, "workerId");
        host = host == null ? "" : host;
        queues = List.copyOf(queues);
        version = version == null ? "unknown" : version;
        startedAt = Objects.requireNonNull(startedAt, "startedAt").truncatedTo(ChronoUnit.MILLIS);
        heartbeatAt = Objects.requireNonNull(heartbeatAt, "heartbeatAt").truncatedTo(ChronoUnit.MILLIS);
        staleAt = Objects.requireNonNull(staleAt, "staleAt").truncatedTo(ChronoUnit.MILLIS);
    }

    /** Whether the worker missed its heartbeats at {@code now}: it died, hangs, or cannot reach the broker. */
    public boolean isStale(Instant now) {
        return !now.isBefore(staleAt);
    }

    /** The stored form. */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", workerId).put("host", host).put("pid", pid).put("concurrency", concurrency).put("running", running)
                .put("version", version).put("started", startedAt.toEpochMilli())
                .put("heartbeat", heartbeatAt.toEpochMilli()).put("stale", staleAt.toEpochMilli());
        queues.forEach(n.putArray("queues")::add);
        return n.toString();
    }

    /** Reads the stored form; empty when {@code json} is not a record written by {@link #toJson()}. */
    public static Optional<WorkerInfo> fromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject() || !n.path("id").isTextual() || !n.path("heartbeat").canConvertToLong()) {
                return Optional.empty();
            }
            List<String> queues = new ArrayList<>();
            n.path("queues").forEach(q -> queues.add(q.asText()));
            return Optional.of(new WorkerInfo(n.get("id").asText(), n.path("host").asText(""), n.path("pid").asLong(),
                    queues, n.path("concurrency").asInt(), n.path("running").asInt(), n.path("version").asText(null),
                    Instant.ofEpochMilli(n.path("started").asLong()), Instant.ofEpochMilli(n.get("heartbeat").asLong()),
                    Instant.ofEpochMilli(n.path("stale").asLong())));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
