package dev.tasks.examples.docs;

import dev.tasks.Brokers;
import dev.tasks.Tasks;
import dev.tasks.TasksConfig;
import dev.tasks.examples.shop.OrderTasks;
import dev.tasks.routing.Routes;
import dev.tasks.spi.Broker;
import java.nio.file.Path;
import java.time.Clock;

/** How a service wires the client: one broker and one {@link Tasks} per process, closed at shutdown. */
public final class InvoiceApp implements AutoCloseable {
    private final Broker broker;
    private final Tasks tasks;

    public InvoiceApp() {
        TasksConfig config = TasksConfig.load();
        broker = Brokers.open(config.brokerSettings(Clock.systemUTC()));
        tasks = Tasks.builder()
                .broker(broker)
                .routes(routes())
                .declare(InvoiceTasks.class, OrderTasks.class)
                .build();
    }

    /** Routing rules in code: the first matching glob wins. */
    static Routes routes() {
        return Routes.builder()
                .route("invoices.render", "pdf")
                .route("invoices.*", "invoices")
                .route("analytics.*", "analytics_low_priority")
                .build();
    }

    /** The same rules read from the tasks.routes property of a file. */
    static Routes routesFromFile() {
        return Routes.fromFile(Path.of("tasks.properties"));
    }

    public Tasks tasks() {
        return tasks;
    }

    @Override
    public void close() {
        tasks.close();
        broker.close();
    }
}
