package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import dev.tasks.spi.DelayedMessage;
import dev.tasks.spi.QueueStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The delayed tasks of a queue ({@link Broker#delayed}): tasks sent with a countdown or an eta, and retries
 * waiting out their backoff, soonest due first, with the task name and id, when each is due and in how
 * long, its attempt and priority, its arguments and headers, whether it is revoked, and a revoke button (the
 * same as {@code tasks revoke}: the task stays in the queue until due, and the worker that fetches it then
 * drops it). A broker that cannot list delayed messages gets a page that says so.
 */
final class DelayedPage {
    /** Delayed messages read per page view. */
    static final int DEFAULT_LIMIT = 200;

    private final Broker broker;
    private final History history;
    private final Clock clock;

    DelayedPage(Broker broker, History history, Clock clock) {
        this.broker = broker;
        this.history = history;
        this.clock = clock;
    }

    /** The queues and how many delayed tasks each holds (no queue chosen). */
    String index(Html.PageContext ctx) {
        return QueueIndex.page(ctx, history, "Delayed tasks", "delayed", "<p class=\"note\">Tasks sent with a countdown"
                + " or an eta, and retries waiting out their backoff.</p>", "/delayed", "delayed-queues", "Delayed tasks",
                QueueStats::delayed);
    }

    /** The delayed tasks of one queue, soonest due first. */
    String page(Html.PageContext ctx, String queue, int limit) {
        Instant now = clock.instant();
        String q = Html.text(queue);
        StringBuilder b = new StringBuilder(8192);
        b.append("<h1>Delayed tasks of <span id=\"queue\">").append(q).append("</span></h1>");
        List<DelayedMessage> delayed;
        try {
            delayed = broker.delayed(queue, limit);
        } catch (UnsupportedOperationException e) {
            b.append("<p class=\"note\" id=\"delayed-unsupported\">This broker cannot list its delayed tasks (")
                    .append(Html.text(e.getMessage())).append("). Their number is on the overview.</p>");
            return Html.page(ctx, "Delayed tasks of " + queue, "delayed", b.toString());
        }
        long count = broker.stats(queue).delayed();
        Map<String, Boolean> revoked = revoked(delayed);
        b.append("<p class=\"asof\"><b id=\"delayed-count\">").append(count).append("</b> delayed task(s) as of ")
                .append(Html.clock(now)).append("; showing the <b id=\"shown-count\">").append(delayed.size())
                .append("</b> due soonest (up to ").append(limit).append("). <a href=\"/delayed?queue=")
                .append(Html.param(queue)).append("\" id=\"reload\">Reload</a></p>");
        if (delayed.isEmpty()) {
            b.append("<p id=\"none\">No delayed tasks.</p>");
            return Html.page(ctx, "Delayed tasks of " + queue, "delayed", b.toString());
        }
        boolean write = ctx.writable() && revoked != null;
        b.append("<table id=\"delayed\"><thead><tr><th>Task</th><th>Due</th><th>Why it waits</th>")
                .append("<th class=\"n\">Attempt</th><th class=\"n\">Priority</th><th>Arguments and headers</th>")
                .append("<th>Revoked</th>").append(write ? "<th></th>" : "").append("</tr></thead><tbody>");
        for (DelayedMessage m : delayed) {
            row(b, ctx, m, now, revoked, write);
        }
        b.append("</tbody></table>");
        return Html.page(ctx, "Delayed tasks of " + queue, "delayed", b.toString());
    }

    private static void row(StringBuilder b, Html.PageContext ctx, DelayedMessage m, Instant now,
            Map<String, Boolean> revoked, boolean write) {
        PayloadView v = PayloadView.of(m.payload());
        String id = Html.text(m.id());
        boolean isRevoked = revoked != null && revoked.containsKey(m.id());
        b.append("<tr class=\"delayed").append(isRevoked ? " revoked" : "").append("\" data-id=\"").append(id)
                .append("\"><td><span class=\"task-name\">")
                .append(v.taskName() == null ? "(not an envelope)" : Html.text(v.taskName()))
                .append("</span><br><a class=\"task-id\" href=\"/task?id=").append(Html.param(m.id())).append("\">")
                .append(id).append("</a></td><td class=\"due\">").append(Html.time(m.dueAt()))
                .append(" <span class=\"due-in\">in ").append(Html.text(Html.age(Duration.between(now, m.dueAt()))))
                .append("</span></td><td class=\"why\">")
                .append(v.attempt() > 0 ? "retry backoff" : "countdown or eta").append("</td><td class=\"n attempt\">")
                .append(v.attempt() < 0 ? "-" : Integer.toString(v.attempt() + 1)).append("</td><td class=\"n\">")
                .append(m.priority()).append("</td><td>");
        v.appendDetails(b);
        b.append("</td><td class=\"revoked-state\">")
                .append(revoked == null ? "unknown" : isRevoked ? "<b class=\"bad\">yes</b>" : "no").append("</td>");
        if (write) {
            b.append("<td>");
            if (!isRevoked) {
                b.append(Html.form(ctx, "/revoke", null)).append("<input type=\"hidden\" name=\"id\" value=\"")
                        .append(id).append("\"><input type=\"hidden\" name=\"queue\" value=\"")
                        .append(Html.text(m.queue())).append("\"><button type=\"submit\" class=\"revoke-one\">")
                        .append("Revoke</button></form>");
            }
            b.append("</td>");
        }
        b.append("</tr>");
    }

    /** The revoked ones among the listed tasks; null when the broker keeps no revocations. */
    private Map<String, Boolean> revoked(List<DelayedMessage> delayed) {
        if (delayed.isEmpty()) {
            return Map.of();
        }
        try {
            return broker.control().revoked(delayed.stream().map(DelayedMessage::id).distinct().toList());
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }
}
