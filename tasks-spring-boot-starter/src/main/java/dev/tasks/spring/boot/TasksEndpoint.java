package dev.tasks.spring.boot;

import dev.tasks.spi.Broker;
import dev.tasks.spi.QueueStats;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The Actuator endpoint {@code tasks}: counts of every queue the broker knows ({@code GET /actuator/tasks}), or of
 * one ({@code GET /actuator/tasks/{queue}}). Expose it like any endpoint
 * ({@code management.endpoints.web.exposure.include=health,tasks}).
 */
@Endpoint(id = "tasks")
public final class TasksEndpoint {
    private final Broker broker;

    TasksEndpoint(Broker broker) {
        this.broker = broker;
    }

    /** Ready, delayed, in-flight and dead counts by queue. */
    @ReadOperation
    public Map<String, QueueStats> queues() {
        Map<String, QueueStats> out = new TreeMap<>();
        for (String q : broker.queues()) {
            out.put(q, broker.stats(q));
        }
        return out;
    }

    /** The counts of one queue. */
    @ReadOperation
    public QueueStats queue(@Selector String queue) {
        return broker.stats(queue);
    }
}
