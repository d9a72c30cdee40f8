package dev.tasks.dashboard;

import dev.tasks.spi.QueueStats;
import java.util.function.ToLongFunction;

/**
 * The page a list page shows before a queue is chosen: every queue with one of its counts, each linked to
 * the queue's own page, from a fresh sample of the {@link History} (or the last one when the broker cannot
 * be read now).
 */
final class QueueIndex {
    private QueueIndex() {}

    /**
     * The index page.
     *
     * @param title the page's heading and title
     * @param active the navigation key of the page
     * @param intro HTML put under the heading (already escaped), or empty
     * @param path the queue page's path, given {@code ?queue=<name>}
     * @param tableId the table's id
     * @param column the count's column heading
     * @param count the count shown per queue
     */
    static String page(Html.PageContext ctx, History history, String title, String active, String intro, String path,
            String tableId, String column, ToLongFunction<QueueStats> count) {
        StringBuilder b = new StringBuilder("<h1>").append(Html.text(title)).append("</h1>").append(intro);
        History.Sample s = history.sample();
        if (s == null) {
            s = history.latest();
        }
        if (s == null) {
            b.append("<p class=\"banner error\">The broker could not be read: ").append(Html.text(history.lastError()))
                    .append("</p>");
            return Html.page(ctx, title, active, b.toString());
        }
        b.append("<table id=\"").append(tableId).append("\"><caption>").append(Html.text(column))
                .append(" per queue as of ").append(Html.clock(s.at())).append("</caption><thead><tr><th>Queue</th>")
                .append("<th class=\"n\">").append(Html.text(column)).append("</th></tr></thead><tbody>");
        for (QueueStats q : s.queues().values()) {
            b.append("<tr><th scope=\"row\"><a href=\"").append(path).append("?queue=").append(Html.param(q.queue()))
                    .append("\">").append(Html.text(q.queue())).append("</a></th><td class=\"n\">")
                    .append(count.applyAsLong(q)).append("</td></tr>");
        }
        b.append("</tbody></table>");
        return Html.page(ctx, title, active, b.toString());
    }
}
