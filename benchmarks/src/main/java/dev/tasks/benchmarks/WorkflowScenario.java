package dev.tasks.benchmarks;

import dev.tasks.Signature;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.Workflow;
import dev.tasks.spi.Broker;
import dev.tasks.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chords of 10, 1,000 and 10,000 members: how long {@code apply()} takes against a {@code sendAll} of as
 * many plain tasks in the same run (the limit, so the ratio is the figure), and how soon the callback starts
 * after the last member finished, with one worker {@code -c 16} on the broker. Members and callback run in
 * this JVM, which records the times.
 */
final class WorkflowScenario implements BenchFlows {
    private static final String QUEUE = "benchflow";

    private final AtomicLong lastMemberEnd = new AtomicLong();
    private final AtomicLong callbackStart = new AtomicLong();
    private final AtomicLong callbackResults = new AtomicLong(-1);

    @Override
    public long member(long seq) {
        lastMemberEnd.accumulateAndGet(System.nanoTime(), Math::max);
        return seq;
    }

    @Override
    public void collect(List<Long> results) {
        callbackStart.set(System.nanoTime());
        callbackResults.set(results.size());
    }

    /** Runs the scenario for each size and reports its figures. */
    void run(String broker, Target target, Report report, List<Integer> sizes) throws Exception {
        TaskRegistry registry = TaskRegistry.builder().register(BenchFlows.class, this).build();
        try (Broker producer = target.open(); Tasks tasks = Tasks.builder().broker(producer).registry(registry).build();
                Broker consumer = target.open()) {
            for (int n : sizes) {
                List<Signature> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    members.add(Signature.of("benchflow.member", (long) i).queue(QUEUE));
                }
                // the limit: a batch of as many plain tasks, published and purged before any worker runs
                long s0 = System.nanoTime();
                tasks.sendAll(members);
                double sendAllMs = millis(s0);
                producer.purge(QUEUE);
                String limit = "sendall_" + n + "_" + broker;
                report.limit(limit, sendAllMs, "ms", "sendAll of " + n + " plain tasks, same run");

                lastMemberEnd.set(0);
                callbackStart.set(0);
                callbackResults.set(-1);
                Worker worker = Worker.builder().broker(consumer).registry(registry).queues(QUEUE).concurrency(16)
                        .build();
                try {
                    worker.start();
                    long a0 = System.nanoTime();
                    tasks.apply(Workflow.chord(members, Signature.of("benchflow.collect").queue(QUEUE)));
                    double applyMs = millis(a0);
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                    while (callbackResults.get() < 0) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("chord of " + n + ": no callback within 5 minutes");
                        }
                        TimeUnit.MILLISECONDS.sleep(1);
                    }
                    if (callbackResults.get() != n) {
                        throw new IllegalStateException("chord of " + n + ": callback got " + callbackResults.get()
                                + " results");
                    }
                    double totalMs = millis(a0);
                    double afterLastMs = (callbackStart.get() - lastMemberEnd.get()) / 1e6;
                    report.result(broker, "chord_apply_" + n, applyMs, "ms", limit);
                    report.result(broker, "chord_callback_after_last_member_" + n, afterLastMs, "ms", "none");
                    report.result(broker, "chord_total_" + n, totalMs, "ms", "none");
                } finally {
                    worker.stop(Duration.ofSeconds(10));
                    producer.purge(QUEUE);
                }
            }
        }
    }

    private static double millis(long since) {
        return (System.nanoTime() - since) / 1e6;
    }
}
