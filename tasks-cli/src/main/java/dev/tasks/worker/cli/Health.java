package dev.tasks.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a long-running command ({@code worker}, {@code beat}) answers on {@code /health/live} and
 * {@code /health/ready} of its {@link MetricsServer}. Live: the process's loops run, so a supervisor that
 * restarts a process that is not live does the right thing; ready: the process does its work (its broker
 * answers). Implementations are thread-safe and answer within a bounded time (see {@link BrokerProbe}).
 */
public interface Health {

    /** Whether the process's loops are running; down when it stopped itself or is shutting down. */
    Status live();

    /** Whether the process is doing its work: running and its broker reachable. */
    Status ready();

    /**
     * One answer: up or down, a reason when down, and details for operators.
     *
     * @param up whether the check passed (HTTP 200, else 503)
     * @param reason why it is down, one line; null when up
     * @param details other values of the answer (state, counts), in order
     */
    record Status(boolean up, String reason, Map<String, Object> details) {
        private static final ObjectMapper JSON = new ObjectMapper();

        /** Copies the details. */
        public Status {
            details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(details)));
        }

        /** A passing check with these details. */
        public static Status up(Map<String, Object> details) {
            return new Status(true, null, details);
        }

        /** A failing check with its reason and these details. */
        public static Status down(String reason, Map<String, Object> details) {
            return new Status(false, Objects.requireNonNull(reason, "reason"), details);
        }

        /** The HTTP status code of this answer: 200 or 503. */
        public int httpStatus() {
            return up ? 200 : 503;
        }

        /** The JSON body: {@code {"status":"UP"|"DOWN","reason":...,<details>}}. */
        public String toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("status", up ? "UP" : "DOWN");
            if (reason != null) {
                n.put("reason", reason);
            }
            details.forEach((k, v) -> n.set(k, JSON.valueToTree(v)));
            return n.toString();
        }
    }
}
