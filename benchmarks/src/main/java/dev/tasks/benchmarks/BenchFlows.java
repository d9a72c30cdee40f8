package dev.tasks.benchmarks;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.util.List;

/** The tasks of the workflow scenario: chord members that return their number, and the chord's callback. */
@TaskModule(value = "benchflow", queue = "benchflow")
public interface BenchFlows {

    /** Returns {@code seq}; records when the last member of a chord finished. */
    @Task
    long member(long seq);

    /** The callback: records when it started and how many results it got. */
    @Task
    void collect(List<Long> results);
}
