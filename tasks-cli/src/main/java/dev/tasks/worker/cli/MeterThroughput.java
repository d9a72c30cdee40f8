package dev.tasks.worker.cli;

import dev.tasks.dashboard.Throughput;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The running totals the embedded dashboard charts, read from the worker's own meters: processed is
 * {@code tasks.succeeded} plus {@code tasks.dead.lettered} over every task and queue, failed is
 * {@code tasks.dead.lettered} (a run that failed and was retried is not finished yet). Counters only grow,
 * so neither total decreases.
 */
final class MeterThroughput implements Throughput {
    private final MeterRegistry meters;

    MeterThroughput(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public long processed() {
        return sum("tasks.succeeded") + failed();
    }

    @Override
    public long failed() {
        return sum("tasks.dead.lettered");
    }

    private long sum(String name) {
        double total = 0;
        for (Counter c : meters.find(name).counters()) {
            total += c.count();
        }
        return (long) total;
    }
}
