package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import dev.tasks.spi.WorkerDirectory;
import dev.tasks.spi.WorkerInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The workers that use the broker, from its {@link WorkerDirectory} (what {@code tasks workers} lists): id,
 * host and process, queues, concurrency, tasks running at the last heartbeat, version, last heartbeat and
 * its age; a worker that missed its heartbeats is marked stale (it died, hangs, or cannot reach the broker).
 * The list is live: the page's script refreshes it every refresh interval.
 */
final class WorkersPage {
    private final Broker broker;
    private final Clock clock;
    private final Duration refresh;

    WorkersPage(Broker broker, Clock clock, Duration refresh) {
        this.broker = broker;
        this.clock = clock;
        this.refresh = refresh;
    }

    String page(Html.PageContext ctx) {
        String body = "<h1>Workers</h1><section id=\"live\" data-live=\"/live/workers\" data-interval=\""
                + refresh.toMillis() + "\">" + live() + "</section>";
        return Html.page(ctx, "Workers", "workers", body);
    }

    /** The part of the page that the script refreshes. */
    String live() {
        Instant now = clock.instant();
        Optional<WorkerDirectory> directory = broker.workers();
        if (directory.isEmpty()) {
            return "<p class=\"note\" id=\"workers-unavailable\">As of " + Html.clock(now) + ", this broker keeps no"
                    + " records of its workers.</p>";
        }
        List<WorkerInfo> workers;
        try {
            workers = directory.get().list();
        } catch (RuntimeException e) {
            return "<p class=\"banner error\" id=\"broker-error\">The broker could not be read at " + Html.time(now)
                    + ": " + Html.text(e.toString()) + "</p>";
        }
        long stale = workers.stream().filter(w -> w.isStale(now)).count();
        StringBuilder b = new StringBuilder(2048);
        b.append("<p class=\"asof\"><b id=\"live-count\">").append(workers.size() - stale)
                .append("</b> live and <b id=\"stale-count\">").append(stale).append("</b> stale worker(s) as of ")
                .append(Html.clock(now)).append(". A stale worker missed its heartbeats: it died, hangs, or cannot")
                .append(" reach the broker; its record goes after ").append(Html.text(Html.age(WorkerDirectory.KEEP)))
                .append(".</p>");
        if (workers.isEmpty()) {
            b.append("<p id=\"no-workers\">No worker has recorded itself.</p>");
            return b.toString();
        }
        b.append("<table id=\"workers\"><thead><tr><th>Worker</th><th>Host</th><th class=\"n\">Pid</th>")
                .append("<th>Queues</th><th class=\"n\">Concurrency</th><th class=\"n\">Running</th><th>Version</th>")
                .append("<th>Started</th><th>Last heartbeat</th><th>Status</th></tr></thead><tbody>");
        for (WorkerInfo w : workers) {
            boolean isStale = w.isStale(now);
            b.append("<tr class=\"worker").append(isStale ? " stale" : "").append("\" data-worker=\"")
                    .append(Html.text(w.workerId())).append("\"><th scope=\"row\" class=\"worker-id\">")
                    .append(Html.text(w.workerId())).append("</th><td>").append(Html.text(w.host()))
                    .append("</td><td class=\"n\">").append(w.pid()).append("</td><td class=\"queues\">")
                    .append(Html.text(String.join(", ", w.queues()))).append("</td><td class=\"n concurrency\">")
                    .append(w.concurrency()).append("</td><td class=\"n running\">").append(w.running())
                    .append("</td><td>").append(Html.text(w.version())).append("</td><td>").append(Html.time(w.startedAt()))
                    .append("</td><td>").append(Html.time(w.heartbeatAt())).append(" <span class=\"age\">(")
                    .append(Html.text(Html.age(Duration.between(w.heartbeatAt(), now)))).append(" ago)</span></td>")
                    .append("<td class=\"status\">").append(isStale ? "<b class=\"bad\">stale</b>" : "live")
                    .append("</td></tr>");
        }
        b.append("</tbody></table>");
        return b.toString();
    }
}
