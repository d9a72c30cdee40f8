package dev.tasks.worker.cli;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks of the operator-command tests: one that returns its argument, one that fails for good. */
@TaskModule("observe")
public interface ObserveTasks {
    @Task(maxRetries = 0)
    String echo(String text);

    @Task(maxRetries = 0)
    void fail(String why);

    /** The implementation the tests register. */
    final class Impl implements ObserveTasks {
        @Override
        public String echo(String text) {
            return text;
        }

        @Override
        public void fail(String why) {
            throw new IllegalStateException(why);
        }
    }
}
