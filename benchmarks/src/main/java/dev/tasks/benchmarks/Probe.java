package dev.tasks.benchmarks;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Hooks of the no-op task. In the harness's JVM a scenario installs a listener for task starts; in a
 * worker process started by the harness (system property {@value #MARKER_PROPERTY}) the first task prints
 * {@value #FIRST_TASK_MARKER} on stdout, so the harness can time the start-up.
 */
final class Probe {
    static final String MARKER_PROPERTY = "tasks.bench.marker";
    static final String FIRST_TASK_MARKER = "BENCH_FIRST_TASK";

    private static volatile LongConsumer onStart;
    private static final AtomicBoolean first = new AtomicBoolean();
    private static final boolean marker = Boolean.getBoolean(MARKER_PROPERTY);

    private Probe() {}

    static void onStart(LongConsumer listener) {
        onStart = listener;
    }

    static void started(long seq) {
        LongConsumer l = onStart;
        if (l != null) {
            l.accept(seq);
        }
        if (marker && !first.get() && first.compareAndSet(false, true)) {
            System.out.println(FIRST_TASK_MARKER);
            System.out.flush();
        }
    }
}
