package dev.tasks.dashboard;

import dev.tasks.spi.BeatStatus;
import dev.tasks.spi.Broker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The beat's schedules from the {@link BeatStatus} its leader writes to the broker's state store: the
 * leader and until when its lease holds, and per schedule the task, the timing, the last slot handled and
 * the next fire times with how long until the next. A status whose lease ran out is marked stale (the
 * leader died, stopped or cannot reach the broker, and no standby took over). Beats that share another
 * lock name are shown with {@code ?lock=<name>}. The page's script refreshes the list every refresh
 * interval.
 */
final class SchedulesPage {
    private final Broker broker;
    private final Clock clock;
    private final Duration refresh;

    SchedulesPage(Broker broker, Clock clock, Duration refresh) {
        this.broker = broker;
        this.clock = clock;
        this.refresh = refresh;
    }

    String page(Html.PageContext ctx, String lock) {
        String name = lockName(lock);
        String body = "<h1>Schedules</h1><form method=\"get\" action=\"/schedules\" id=\"lock-form\" class=\"filter\">"
                + "<label>Beat lock name <input name=\"lock\" id=\"lock-name\" value=\"" + Html.text(name) + "\">"
                + "</label> <button type=\"submit\" id=\"lock-go\">Show</button></form>"
                + "<section id=\"live\" data-live=\"/live/schedules?lock=" + Html.param(name) + "\" data-interval=\""
                + refresh.toMillis() + "\">" + live(name) + "</section>";
        return Html.page(ctx, "Schedules", "schedules", body);
    }

    /** The part of the page that the script refreshes. */
    String live(String lock) {
        String name = lockName(lock);
        Instant now = clock.instant();
        String key = BeatStatus.key(name);
        Optional<String> stored;
        try {
            stored = broker.state().get(key);
        } catch (RuntimeException e) {
            return "<p class=\"banner error\" id=\"broker-error\">The broker could not be read at " + Html.time(now)
                    + ": " + Html.text(e.toString()) + "</p>";
        }
        if (stored.isEmpty()) {
            return "<p class=\"note\" id=\"no-beat\">As of " + Html.clock(now) + ", no beat has written its status under"
                    + " <code>" + Html.text(key) + "</code>: no beat with lock name <b>" + Html.text(name) + "</b> has"
                    + " led on this broker (or it runs a version that writes none).</p>";
        }
        Optional<BeatStatus> read = BeatStatus.fromJson(stored.get());
        if (read.isEmpty()) {
            return "<p class=\"banner error\" id=\"beat-unreadable\">The value under <code>" + Html.text(key)
                    + "</code> is not a beat status.</p>";
        }
        BeatStatus s = read.get();
        StringBuilder b = new StringBuilder(4096);
        b.append("<p class=\"asof\">As of ").append(Html.clock(now)).append(": leader <b id=\"beat-leader\">")
                .append(Html.text(s.leader())).append("</b> (fencing token ").append(s.fencingToken())
                .append("), status written ").append(Html.time(s.writtenAt())).append(".</p>");
        if (s.isStale(now)) {
            b.append("<p class=\"banner error\" id=\"beat-stale\">No leader: the lease of ").append(Html.text(s.leader()))
                    .append(" ran out at ").append(Html.time(s.leaseUntil())).append(" (")
                    .append(Html.text(Html.age(Duration.between(s.leaseUntil(), now)))).append(" ago) and no other beat")
                    .append(" took over. Schedules do not fire until a beat runs.</p>");
        } else {
            b.append("<p id=\"beat-lease\">Its lease holds until ").append(Html.time(s.leaseUntil()))
                    .append(" unless renewed.</p>");
        }
        if (s.schedules().isEmpty()) {
            b.append("<p id=\"no-schedules\">The leader has no schedules.</p>");
            return b.toString();
        }
        b.append("<table id=\"schedules\"><thead><tr><th>Schedule</th><th>Task</th><th>Timing</th>")
                .append("<th>Next fire time</th><th>Then</th><th>Last slot</th></tr></thead><tbody>");
        for (BeatStatus.ScheduleStatus c : s.schedules()) {
            b.append("<tr class=\"schedule\" data-schedule=\"").append(Html.text(c.name()))
                    .append("\"><th scope=\"row\" class=\"schedule-name\">").append(Html.text(c.name()))
                    .append("</th><td class=\"task-name\">").append(Html.text(c.task())).append("</td><td class=\"timing\">")
                    .append(Html.text(c.timing())).append("</td><td class=\"next\">");
            if (c.nextFireTimes().isEmpty()) {
                b.append("never again");
            } else {
                Instant next = c.nextFireTimes().get(0);
                b.append(Html.time(next)).append(" <span class=\"due-in\">")
                        .append(next.isAfter(now) ? "in " + Html.text(Html.age(Duration.between(now, next))) : "due")
                        .append("</span>");
            }
            b.append("</td><td class=\"then\">");
            for (int i = 1; i < c.nextFireTimes().size(); i++) {
                b.append(i > 1 ? "<br>" : "").append(Html.time(c.nextFireTimes().get(i)));
            }
            b.append("</td><td class=\"last\">").append(Html.time(c.lastSlot()))
                    .append(c.pending() ? " <span class=\"pending\">(enqueue not confirmed yet)</span>" : "")
                    .append("</td></tr>");
        }
        b.append("</tbody></table><p class=\"note\">The last slot is the last one fired, or skipped by the schedule's")
                .append(" missed-run policy; a schedule that has not fired yet shows when it started.</p>");
        return b.toString();
    }

    private static String lockName(String lock) {
        return lock == null || lock.isBlank() ? BeatStatus.DEFAULT_LOCK_NAME : lock.strip();
    }
}
