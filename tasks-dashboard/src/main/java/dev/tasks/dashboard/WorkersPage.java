package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import java.time.Clock;

/**
 * The workers page. The broker SPI records live workers only as storage-layout announcements
 * ({@link dev.tasks.spi.WorkerLayouts}), which carry a worker id and layout version and can be read only by
 * announcing; it has no list of workers with their host, queues, concurrency and last heartbeat. Until it
 * has, this page says so and points to what does show workers.
 */
final class WorkersPage {
    private final Broker broker;
    private final Clock clock;

    WorkersPage(Broker broker, Clock clock) {
        this.broker = broker;
        this.clock = clock;
    }

    String page(Html.PageContext ctx) {
        String body = "<h1>Workers</h1><p class=\"note\" id=\"workers-unavailable\">As of "
                + Html.clock(clock.instant()) + ", the broker (" + Html.text(broker.describe()) + ") keeps no list of"
                + " live workers that the dashboard can read: workers announce only their storage layout. Each worker"
                + " logs its id, queues and concurrency at start, and serves its meters with"
                + " <code>--metrics-port</code> (tasks in flight, processed, failed).</p>";
        return Html.page(ctx, "Workers", "workers", body);
    }
}
