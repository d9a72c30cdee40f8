package dev.tasks.dashboard;

import dev.tasks.spi.Broker;
import dev.tasks.spi.ResultStore.StoredResult;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One task by id: its recorded state and result (kept by the broker's result store for its time to live),
 * whether it is revoked, and the revoke action (the same as {@code tasks revoke}).
 */
final class TaskPage {
    private final Broker broker;
    private final Clock clock;

    TaskPage(Broker broker, Clock clock) {
        this.broker = broker;
        this.clock = clock;
    }

    String page(Html.PageContext ctx, String id) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<h1>Task</h1><form method=\"get\" action=\"/task\" id=\"lookup\" class=\"filter\"><label>Task id ")
                .append("<input name=\"id\" id=\"task-id\" size=\"40\" value=\"").append(Html.text(id))
                .append("\"></label> <button type=\"submit\" id=\"lookup-go\">Look up</button></form>");
        if (id == null || id.isBlank()) {
            b.append("<p class=\"note\">Task ids are in the dead letters, the workers' logs and the producers' task"
                    + " handles. States and results are kept for their time to live, revocations for seven days.</p>");
            return Html.page(ctx, "Task", "task", b.toString());
        }
        Optional<StoredResult> r = broker.results().get(id);
        Boolean revoked = revoked(id);
        b.append("<table id=\"task\" class=\"record\"><caption>As of ").append(Html.clock(clock.instant()))
                .append("</caption><tbody><tr><th>Id</th><td id=\"task-record-id\">").append(Html.text(id))
                .append("</td></tr>");
        if (r.isPresent()) {
            StoredResult s = r.get();
            b.append("<tr><th>Name</th><td id=\"task-name\">").append(Html.text(s.taskName())).append("</td></tr>")
                    .append("<tr><th>State</th><td id=\"task-state\" class=\"state ")
                    .append(Html.text(s.state().name().toLowerCase(java.util.Locale.ROOT))).append("\">")
                    .append(Html.text(s.state())).append("</td></tr><tr><th>Recorded</th><td>")
                    .append(Html.time(s.updatedAt())).append("</td></tr>");
            if (s.value() != null) {
                b.append("<tr><th>Result</th><td><pre>").append(Html.text(s.value())).append("</pre></td></tr>");
            }
            if (s.error() != null) {
                b.append("<tr><th>Error</th><td><pre id=\"task-error\">").append(Html.text(s.error()))
                        .append("</pre></td></tr>");
            }
        } else {
            b.append("<tr><th>State</th><td id=\"task-state\">no record (not stored for this task, expired, or an"
                    + " unknown id)</td></tr>");
        }
        b.append("<tr><th>Revoked</th><td id=\"task-revoked\">")
                .append(revoked == null ? "unknown (this broker keeps no revocations)"
                        : revoked ? "yes" : "no").append("</td></tr></tbody></table>");
        if (ctx.writable() && revoked != null) {
            b.append(Html.form(ctx, "/revoke", "revoke-form")).append("<input type=\"hidden\" name=\"id\" value=\"")
                    .append(Html.text(id)).append("\"><p class=\"actions danger\"><label><input type=\"checkbox\"")
                    .append(" name=\"terminate\" value=\"yes\" id=\"terminate\"> also interrupt a run in progress</label> ")
                    .append("<button type=\"submit\" id=\"revoke\">Revoke</button></p></form>");
        }
        return Html.page(ctx, "Task " + id, "task", b.toString());
    }

    /** Whether the task is revoked; null when the broker keeps no revocations. */
    private Boolean revoked(String id) {
        try {
            Map<String, Boolean> m = broker.control().revoked(List.of(id));
            return m.containsKey(id);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }
}
