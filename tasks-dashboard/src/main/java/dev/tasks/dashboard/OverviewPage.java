package dev.tasks.dashboard;

import dev.tasks.spi.QueueStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The overview: per queue ready, delayed, in flight and dead, with their history as small charts, and the
 * tasks processed and failed per second when a {@link Throughput} is known. The live part is served on its
 * own ({@link #live}) and replaced by the page's script every refresh interval.
 */
final class OverviewPage {
    private final History history;
    private final Duration refresh;

    OverviewPage(History history, Duration refresh) {
        this.history = history;
        this.refresh = refresh;
    }

    String page(Html.PageContext ctx) {
        String body = "<h1>Overview</h1><section id=\"live\" data-live=\"/live/overview\" data-interval=\""
                + refresh.toMillis() + "\">" + live() + "</section>";
        return Html.page(ctx, "Overview", "overview", body);
    }

    /** The part of the page that the script refreshes. */
    String live() {
        StringBuilder b = new StringBuilder(4096);
        History.Sample s = history.latest();
        if (history.lastError() != null) {
            b.append("<p class=\"banner error\" id=\"broker-error\">The broker could not be read at ")
                    .append(Html.time(history.lastErrorAt())).append(": ").append(Html.text(history.lastError()))
                    .append(s == null ? "" : ". The counts below are the last ones read.").append("</p>");
        }
        if (s == null) {
            return b.toString();
        }
        b.append("<p class=\"asof\">Counts as of <span id=\"as-of\">").append(Html.clock(s.at()))
                .append("</span>, sampled every ").append(Html.text(Html.age(refresh))).append(".</p>");
        List<History.Sample> all = history.samples();
        b.append(throughput(all));
        if (s.queues().isEmpty()) {
            b.append("<p id=\"no-queues\">No queues yet: the broker holds no messages and never held any.</p>");
            return b.toString();
        }
        b.append("<table id=\"queues\"><caption>Queues as of ").append(Html.clock(s.at())).append("</caption>")
                .append("<thead><tr><th>Queue</th><th class=\"n\">Ready</th><th class=\"n\">Delayed</th>")
                .append("<th class=\"n\">In flight</th><th class=\"n\">Dead</th><th>Ready and in flight over time</th>")
                .append("</tr></thead><tbody>");
        long[] total = new long[4];
        for (QueueStats q : s.queues().values()) {
            total[0] += q.ready();
            total[1] += q.delayed();
            total[2] += q.inFlight();
            total[3] += q.dead();
            String name = Html.text(q.queue());
            b.append("<tr data-queue=\"").append(name).append("\"><th scope=\"row\" class=\"queue\">").append(name)
                    .append("</th><td class=\"n ready\">").append(q.ready()).append("</td><td class=\"n delayed\">");
            if (q.delayed() > 0) {
                b.append("<a href=\"/delayed?queue=").append(Html.param(q.queue())).append("\">").append(q.delayed())
                        .append("</a>");
            } else {
                b.append(0);
            }
            b.append("</td><td class=\"n inflight\">").append(q.inFlight())
                    .append("</td><td class=\"n dead\">");
            if (q.dead() > 0) {
                b.append("<a href=\"/dead?queue=").append(Html.param(q.queue())).append("\">").append(q.dead())
                        .append("</a>");
            } else {
                b.append(0);
            }
            b.append("</td><td>").append(Charts.sparkline("chart-" + q.queue(), "ready + in flight",
                    series(all, q.queue()), "")).append("</td></tr>");
        }
        b.append("</tbody><tfoot><tr><th scope=\"row\">All queues</th><td class=\"n\" id=\"total-ready\">")
                .append(total[0]).append("</td><td class=\"n\" id=\"total-delayed\">").append(total[1])
                .append("</td><td class=\"n\" id=\"total-inflight\">").append(total[2])
                .append("</td><td class=\"n\" id=\"total-dead\">").append(total[3]).append("</td><td></td></tr></tfoot>")
                .append("</table>");
        return b.toString();
    }

    private static List<Double> series(List<History.Sample> all, String queue) {
        List<Double> out = new ArrayList<>(all.size());
        for (History.Sample s : all) {
            QueueStats q = s.queues().get(queue);
            out.add(q == null ? 0.0 : (double) (q.ready() + q.inFlight()));
        }
        return out;
    }

    private String throughput(List<History.Sample> all) {
        if (all.isEmpty() || all.get(all.size() - 1).processed() < 0) {
            return "<p class=\"note\" id=\"no-throughput\">Tasks processed and failed per second are shown when the"
                    + " dashboard runs inside a worker (<code>worker --dashboard-port</code>): the broker keeps no"
                    + " totals of finished tasks.</p>";
        }
        List<Double> processed = new ArrayList<>();
        List<Double> failed = new ArrayList<>();
        for (int i = 1; i < all.size(); i++) {
            History.Sample a = all.get(i - 1);
            History.Sample z = all.get(i);
            double seconds = Math.max(0.001, Duration.between(a.at(), z.at()).toMillis() / 1000.0);
            processed.add(Math.max(0, z.processed() - a.processed()) / seconds);
            failed.add(Math.max(0, z.failed() - a.failed()) / seconds);
        }
        Duration span = Duration.between(all.get(0).at(), all.get(all.size() - 1).at());
        return "<div class=\"charts\" id=\"throughput\">"
                + Charts.sparkline("chart-processed", "processed per second", processed, "/s")
                + Charts.sparkline("chart-failed", "failed per second", failed, "/s")
                + "<p class=\"note\">Over the last " + Html.text(Html.age(span)) + ", this worker's tasks.</p></div>";
    }
}
