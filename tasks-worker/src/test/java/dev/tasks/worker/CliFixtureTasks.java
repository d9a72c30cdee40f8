package dev.tasks.worker;

import dev.tasks.Task;
import dev.tasks.TaskModule;

/** Tasks of the CLI process tests: they leave marker files in a directory. */
@TaskModule("cli")
public interface CliFixtureTasks {
    @Task
    void work(String key, long millis);
}
