package dev.tasks.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the leading beat says about itself and its schedules, for operators (the dashboard's schedules page):
 * the leader, until when its lease holds, and per schedule its timing, the last slot it handled and the next
 * fire times. The leader writes it to the broker's {@link StateStore} under {@link #key(String)}, fenced by
 * its lease (so a beat that lost the lock cannot overwrite it), when it becomes the leader, with every lease
 * renewal and whenever a slot was handled. Informational: nothing in scheduling reads it back.
 *
 * <p>Stored as a small JSON object with times in epoch milliseconds and no type names; readers ignore fields
 * they do not know. A status whose {@link #leaseUntil()} has passed was written by a leader that stopped
 * renewing: it died, stopped, or cannot reach the broker, and no other beat has taken over since.
 *
 * @param lockName the leader lock's name (a key of its own per lock name)
 * @param leader the owner id of the beat that wrote it (host, process id and a random suffix by default)
 * @param fencingToken the fencing token of its lease
 * @param writtenAt when it was written, by the beat's clock
 * @param leaseUntil until when the leader's lease holds unless renewed, by the beat's clock
 * @param schedules the leader's schedules, in its order
 */
public record BeatStatus(String lockName, String leader, long fencingToken, Instant writtenAt, Instant leaseUntil,
        List<ScheduleStatus> schedules) {
    /** The state-store key prefix: {@value}, followed by the lock name. */
    public static final String KEY_PREFIX = "beat:status:";
    /** The leader lock's name unless a beat is told another one: {@value}. */
    public static final String DEFAULT_LOCK_NAME = "beat";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks for nulls, copies the list and keeps times to the millisecond (as stored). */
    public BeatStatus {
        Objects.requireNonNull(lockName, "lockName");
        Objects.requireNonNull(leader, "leader");
        writtenAt = Objects.requireNonNull(writtenAt, "writtenAt").truncatedTo(ChronoUnit.MILLIS);
        leaseUntil = Objects.requireNonNull(leaseUntil, "leaseUntil").truncatedTo(ChronoUnit.MILLIS);
        schedules = List.copyOf(schedules);
    }

    /** The state-store key of the status of the beats sharing lock {@code lockName}. */
    public static String key(String lockName) {
        return KEY_PREFIX + Objects.requireNonNull(lockName, "lockName");
    }

    /** Whether the leader's lease has run out at {@code now} (it stopped renewing it). */
    public boolean isStale(Instant now) {
        return !now.isBefore(leaseUntil);
    }

    /**
     * One schedule as the leader sees it.
     *
     * @param name the schedule's name
     * @param task the task it sends
     * @param timing how it fires, one line ({@code cron 0 3 * * * (Europe/Paris)}, {@code every PT5M})
     * @param lastSlot the last slot handled (fired, or skipped by the missed-run policy), or null before the first
     * @param pending whether the last slot was recorded but its enqueue not confirmed yet
     * @param nextFireTimes the next slots after {@code writtenAt}, soonest first (empty if it never fires again)
     */
    public record ScheduleStatus(String name, String task, String timing, Instant lastSlot, boolean pending,
            List<Instant> nextFireTimes) {
        /** Checks for nulls and copies the list. */
        public ScheduleStatus {
            Objects.requireNonNull(name, "name");
            task = task == null ? "" : task;
            timing = timing == null ? "" : timing;
            lastSlot = lastSlot == null ? null : lastSlot.truncatedTo(ChronoUnit.MILLIS);
            nextFireTimes = nextFireTimes.stream().map(t -> t.truncatedTo(ChronoUnit.MILLIS)).toList();
        }
    }

    /** The stored form. */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("v", 1).put("lock", lockName).put("leader", leader).put("token", fencingToken)
                .put("written", writtenAt.toEpochMilli()).put("until", leaseUntil.toEpochMilli());
        ArrayNode list = n.putArray("schedules");
        for (ScheduleStatus s : schedules) {
            ObjectNode o = list.addObject().put("name", s.name()).put("task", s.task()).put("timing", s.timing())
                    .put("pending", s.pending());
            if (s.lastSlot() != null) {
                o.put("last", s.lastSlot().toEpochMilli());
            }
            ArrayNode next = o.putArray("next");
            s.nextFireTimes().forEach(t -> next.add(t.toEpochMilli()));
        }
        return n.toString();
    }

    /** Reads the stored form; empty when {@code json} is not a status written by {@link #toJson()}. */
    public static Optional<BeatStatus> fromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject() || !n.path("leader").isTextual() || !n.path("until").canConvertToLong()
                    || !n.path("written").canConvertToLong()) {
                return Optional.empty();
            }
            List<ScheduleStatus> schedules = new ArrayList<>();
            for (JsonNode s : n.path("schedules")) {
                if (!s.path("name").isTextual()) {
                    continue;
                }
                List<Instant> next = new ArrayList<>();
                s.path("next").forEach(t -> next.add(Instant.ofEpochMilli(t.asLong())));
                schedules.add(new ScheduleStatus(s.get("name").asText(), s.path("task").asText(""),
                        s.path("timing").asText(""),
                        s.path("last").isIntegralNumber() ? Instant.ofEpochMilli(s.get("last").asLong()) : null,
                        s.path("pending").asBoolean(false), next));
            }
            return Optional.of(new BeatStatus(n.path("lock").asText(DEFAULT_LOCK_NAME), n.get("leader").asText(),
                    n.path("token").asLong(), Instant.ofEpochMilli(n.get("written").asLong()),
                    Instant.ofEpochMilli(n.get("until").asLong()), schedules));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
