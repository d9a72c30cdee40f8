package dev.tasks.benchmarks;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** The tasks the harness enqueues: a no-op carrying a sequence number (for latency samples). */
@TaskModule(value = "bench", queue = "bench")
public interface BenchTasks {

    /** Does nothing but report its start to the {@link Probe}. */
    @Task
    void noop(long seq);
}
