package dev.tasks.examples.docs;

import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.Tasks;
import dev.tasks.Workflow;
import dev.tasks.WorkflowHandle;
import java.time.Duration;
import java.util.List;

/** Samples of the workflows guide (docs/workflows.md). */
final class CatalogWorkflows {
    private final Tasks tasks;

    CatalogWorkflows(Tasks tasks) {
        this.tasks = tasks;
    }

    int awaitOneResult() {
        TaskHandle h = tasks.delay(CatalogTasks.class, t -> t.importPage("acme", "page-1"));
        return h.result(Integer.class, Duration.ofMinutes(1));
    }

    String importInParallel(String supplier, List<String> pages) {
        List<Signature> imports = pages.stream()
                .map(page -> tasks.signature(CatalogTasks.class, t -> t.importPage(supplier, page)))
                .toList();
        Signature summary = Signature.of("catalog.summarize", supplier);
        WorkflowHandle h = tasks.apply(Workflow.chord(imports, summary));
        return h.result(String.class, Duration.ofMinutes(10));
    }

    WorkflowHandle importThenNotify(String supplier) {
        return tasks.apply(Workflow.chain(
                tasks.signature(CatalogTasks.class, t -> t.importPage(supplier, "page-1")),
                tasks.signature(CatalogTasks.class, t -> t.notifySupplier(supplier, "page 1 imported"))));
    }

    void cancel(TaskHandle handle) {
        handle.revoke();
        handle.revoke(true);
    }
}
