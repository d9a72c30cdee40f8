package dev.tasks.examples.docs;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.util.List;

/** Tasks of the workflows guide: a catalogue import fanned out over pages, with rate and concurrency limits. */
@TaskModule(value = "catalog", queue = "catalog")
public interface CatalogTasks {

    @Task
    List<String> listPages(String supplier);

    @Task
    int importPage(String supplier, String page);

    @Task
    String summarize(List<Integer> counts, String supplier);

    @Task(rateLimit = "5/s", rateLimitKey = "arg:0")
    void notifySupplier(String supplier, String message);

    @Task(concurrency = 2, storeResult = true)
    void rebuildSearchIndex();
}
