package dev.tasks.benchmarks;

import dev.tasks.spi.Broker;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One broker under test, with the data of this run isolated from everything else on its server. */
interface Target extends AutoCloseable {

    /** {@code redis}, {@code postgres}, {@code h2}. */
    String name();

    /** Opens a new broker instance (its own connections) on this run's isolated data. */
    Broker open();

    /** The URL and options a worker process needs, as {@code tasks.properties} lines. */
    Map<String, String> properties();

    /** The limit that throughput figures are compared with. */
    String throughputLimit();

    /** The limit that latency figures are compared with. */
    String latencyLimit();

    /** Server-side counters (commands, bytes, memory), where the server exposes them. */
    default Optional<ServerCounters> counters() {
        return Optional.empty();
    }

    /** Bytes the server holds for the given queues' data, where it can tell. */
    default Optional<Long> storedBytes(List<String> queues) {
        return Optional.empty();
    }

    /** Deletes the data of these queues. */
    void drop(List<String> queues);

    /** Deletes everything this run wrote. */
    @Override
    void close();

    /** A snapshot of server-wide counters. */
    interface ServerCounters {
        /** Counter name to value: {@code commands}, {@code scripts}, {@code bytes_in}, {@code bytes_out}... */
        Map<String, Long> snapshot();
    }
}
