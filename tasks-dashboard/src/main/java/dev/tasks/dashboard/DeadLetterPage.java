package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import dev.tasks.spi.DeadLetter;
import dev.tasks.spi.QueueStats;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead letters of a queue: reason, deliveries, attempt, when it died, arguments and headers; filters by
 * task name and reason; replay of one, the selected or all; purge of all after a confirmation page.
 */
final class DeadLetterPage {
    /** Dead letters read per page view. */
    static final int DEFAULT_LIMIT = 200;

    private final Broker broker;
    private final History history;
    private final Clock clock;

    DeadLetterPage(Broker broker, History history, Clock clock) {
        this.broker = broker;
        this.history = history;
        this.clock = clock;
    }

    /** The list of queues with dead letters (no queue chosen). */
    String index(Html.PageContext ctx) {
        return QueueIndex.page(ctx, history, "Dead letters", "dead", "", "/dead", "dead-queues", "Dead letters",
                QueueStats::dead);
    }

    /** The dead letters of one queue, filtered. */
    String page(Html.PageContext ctx, String queue, String taskFilter, String reasonFilter, int limit) {
        Instant at = clock.instant();
        long dead = broker.stats(queue).dead();
        List<DeadLetterView> shown = new ArrayList<>();
        List<DeadLetter> letters = broker.deadLetters(queue, limit);
        for (DeadLetter d : letters) {
            DeadLetterView v = DeadLetterView.of(d);
            if (v.matches(taskFilter, reasonFilter)) {
                shown.add(v);
            }
        }
        String q = Html.text(queue);
        StringBuilder b = new StringBuilder(8192);
        b.append("<h1>Dead letters of <span id=\"queue\">").append(q).append("</span></h1>")
                .append("<p class=\"asof\"><b id=\"dead-count\">").append(dead).append("</b> dead letter(s) as of ")
                .append(Html.clock(at)).append("; showing <b id=\"shown-count\">").append(shown.size())
                .append("</b> of the oldest ").append(letters.size()).append(" read (up to ").append(limit)
                .append(").</p>");
        b.append("<form method=\"get\" action=\"/dead\" id=\"filter\" class=\"filter\">")
                .append("<input type=\"hidden\" name=\"queue\" value=\"").append(q).append("\">")
                .append("<label>Task name <input name=\"task\" id=\"filter-task\" value=\"")
                .append(Html.text(taskFilter)).append("\"></label> <label>Reason <input name=\"reason\" id=\"filter-reason\"")
                .append(" value=\"").append(Html.text(reasonFilter)).append("\"></label> ")
                .append("<button type=\"submit\" id=\"filter-apply\">Filter</button> <a href=\"/dead?queue=")
                .append(Html.param(queue)).append("\">Clear</a></form>");
        boolean write = ctx.writable();
        if (write) {
            b.append(Html.form(ctx, "/dead/replay", "replay-form"))
                    .append("<input type=\"hidden\" name=\"queue\" value=\"").append(q).append("\">")
                    .append("<p class=\"actions\"><button type=\"submit\" name=\"scope\" value=\"selected\"")
                    .append(" id=\"replay-selected\">Replay selected</button> <button type=\"submit\" name=\"scope\"")
                    .append(" value=\"all\" id=\"replay-all\">Replay all ").append(dead).append(" of the queue</button></p>");
        }
        b.append("<table id=\"dead-letters\"><thead><tr>");
        if (write) {
            b.append("<th><input type=\"checkbox\" id=\"select-all\" title=\"select all shown\"></th>");
        }
        b.append("<th>Task</th><th>Reason</th><th class=\"n\">Deliveries</th><th class=\"n\">Attempt</th>")
                .append("<th>Enqueued</th><th>Dead since</th><th>Arguments and headers</th>")
                .append(write ? "<th></th>" : "").append("</tr></thead><tbody>");
        for (DeadLetterView v : shown) {
            row(b, v, write);
        }
        b.append("</tbody></table>");
        if (shown.isEmpty()) {
            b.append("<p id=\"none\">No dead letters").append(letters.isEmpty() ? "" : " match the filter").append(".</p>");
        }
        if (write) {
            b.append("</form>").append(Html.form(ctx, "/dead/purge", "purge-form"))
                    .append("<input type=\"hidden\" name=\"queue\" value=\"").append(q).append("\">")
                    .append("<p class=\"actions danger\"><button type=\"submit\" id=\"purge-all\">Purge all ")
                    .append(dead).append(" dead letters of the queue...</button> (asks for confirmation)</p></form>");
        }
        return Html.page(ctx, "Dead letters of " + queue, "dead", b.toString());
    }

    private static void row(StringBuilder b, DeadLetterView v, boolean write) {
        DeadLetter d = v.letter();
        String id = Html.text(d.id());
        b.append("<tr class=\"letter\" data-id=\"").append(id).append("\">");
        if (write) {
            b.append("<td><input type=\"checkbox\" name=\"id\" class=\"pick\" value=\"").append(id).append("\"></td>");
        }
        b.append("<td><span class=\"task-name\">").append(v.taskName() == null ? "(not an envelope)"
                : Html.text(v.taskName())).append("</span>");
        if (d.messageId() != null) {
            b.append("<br><a class=\"task-id\" href=\"/task?id=").append(Html.param(d.messageId())).append("\">")
                    .append(Html.text(d.messageId())).append("</a>");
        }
        b.append("</td><td class=\"reason\">");
        reason(b, d.reason());
        b.append("</td><td class=\"n\">")
                .append(d.deliveryCount()).append("</td><td class=\"n\">")
                .append(v.payload().attempt() < 0 ? "-" : Integer.toString(v.payload().attempt() + 1)).append("</td><td>")
                .append(created(v.payload().createdAt())).append("</td><td>")
                .append(Html.time(d.deadAt())).append("</td><td>");
        v.payload().appendDetails(b);
        b.append("</td>");
        if (write) {
            b.append("<td><button type=\"submit\" name=\"one\" class=\"replay-one\" value=\"").append(id)
                    .append("\">Replay</button></td>");
        }
        b.append("</tr>");
    }

    /** The reason's first line; a stack trace after it ("...; at ...") folded away. */
    private static void reason(StringBuilder b, String reason) {
        String r = reason == null ? "" : reason;
        int trace = r.indexOf("; at ");
        b.append("<span class=\"reason-line\">").append(Html.text(trace < 0 ? r : r.substring(0, trace)))
                .append("</span>");
        if (trace >= 0) {
            b.append("<details class=\"trace\"><summary>stack trace</summary><pre>")
                    .append(Html.text(r.substring(trace + 2).replace("; at ", "\nat "))).append("</pre></details>");
        }
    }

    private static String created(String raw) {
        if (raw == null) {
            return "-";
        }
        try {
            return Html.time(Instant.parse(raw));
        } catch (java.time.format.DateTimeParseException e) {
            return Html.text(raw);
        }
    }

    /** The confirmation page of a purge: says how many, and purges only if the count is still that. */
    String confirmPurge(Html.PageContext ctx, String queue) {
        long dead = broker.stats(queue).dead();
        String q = Html.text(queue);
        String body = "<h1>Purge dead letters</h1><p id=\"confirm-text\">Delete all <b>" + dead
                + "</b> dead letter(s) of queue <b>" + q + "</b> for good? This cannot be undone.</p>"
                + Html.form(ctx, "/dead/purge", "confirm-form") + "<input type=\"hidden\" name=\"queue\" value=\""
                + q + "\"><input type=\"hidden\" name=\"confirm\" value=\"yes\"><p class=\"actions danger\">"
                + "<button type=\"submit\" id=\"confirm-purge\">Yes, purge " + dead + " dead letter(s)</button> "
                + "<a href=\"/dead?queue=" + Html.param(queue) + "\" id=\"cancel-purge\">Cancel</a></p></form>";
        return Html.page(ctx, "Purge dead letters of " + queue, "dead", body);
    }
}
