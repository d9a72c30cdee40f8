package dev.tasks.beat.cli;

import dev.tasks.beat.Beat;
import dev.tasks.spi.Broker;
import dev.tasks.worker.cli.BrokerProbe;
import dev.tasks.worker.cli.Health;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The health of a {@code beat} command, from its life cycle and a {@link BrokerProbe} (a read of the beat's
 * state store, where it records fired slots).
 *
 * <ul>
 *   <li>live: up from start-up until a stop is asked (SIGTERM/SIGINT), then down while it stops;</li>
 *   <li>ready: up while the beat runs, as the leader (it holds the lock and enqueues) or as a standby (it
 *       waits for the lock), and the broker answers within {@link BrokerProbe#TIMEOUT}; down while it
 *       starts, when the broker is unreachable or does not answer, and whenever it is not live. The body
 *       says which of leader and standby it is.</li>
 * </ul>
 * Thread-safe.
 */
final class BeatHealth implements Health, AutoCloseable {
    /** The state key the probe reads; no beat writes it, so the read finds nothing and changes nothing. */
    static final String PROBE_KEY = "beat/health-probe";

    private final BrokerProbe probe;
    private volatile Beat beat;
    private volatile boolean stopping;

    BeatHealth(Broker broker) {
        this.probe = new BrokerProbe(() -> broker.state().get(PROBE_KEY));
    }

    /** The beat has started. */
    void running(Beat started) {
        this.beat = started;
    }

    /** A stop was asked: from now on the beat is shutting down. */
    void stopping() {
        this.stopping = true;
    }

    @Override
    public Status live() {
        if (stopping) {
            return Status.down("the beat is shutting down", Map.of("beat", "STOPPING"));
        }
        return Status.up(Map.of("beat", beat == null ? "STARTING" : "RUNNING"));
    }

    @Override
    public Status ready() {
        Status live = live();
        if (!live.up()) {
            return live;
        }
        Beat b = beat;
        if (b == null) {
            return Status.down("the beat is starting", live.details());
        }
        Map<String, Object> details = new LinkedHashMap<>(live.details());
        details.put("owner", b.owner());
        details.put("role", b.isLeader() ? "leader" : "standby");
        Optional<String> problem = probe.check();
        return problem.map(p -> Status.down(p, details)).orElseGet(() -> Status.up(details));
    }

    @Override
    public void close() {
        probe.close();
    }
}
