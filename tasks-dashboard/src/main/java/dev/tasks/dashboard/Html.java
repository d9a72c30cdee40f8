package dev.tasks.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * HTML text helpers. Every value that reaches a page goes through {@link #text}: the five characters that
 * can end a text node or an attribute ({@code & < > " '}) become entities, so a task name {@code <script>}
 * is shown as text and never parsed as markup, in element content and in quoted attributes alike.
 */
final class Html {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_CLOCK =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private Html() {}

    /** The value as HTML text, safe in element content and in double- or single-quoted attributes. */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // control characters other than tab and newline are shown as a replacement mark
                    if (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** The value encoded for a URL query parameter, then escaped for an attribute. */
    static String param(String value) {
        return text(URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8));
    }

    /** A {@code <time>} element: the UTC clock time shown, the full instant in its attribute and tooltip. */
    static String time(Instant at) {
        if (at == null) {
            return "<span class=\"none\">-</span>";
        }
        Instant s = at.truncatedTo(ChronoUnit.SECONDS);
        return "<time datetime=\"" + s + "\" title=\"" + s + "\">" + DAY_CLOCK.format(s) + "Z</time>";
    }

    /** A short {@code <time>}: clock time only (for "as of" stamps on live numbers). */
    static String clock(Instant at) {
        Instant s = at.truncatedTo(ChronoUnit.SECONDS);
        return "<time datetime=\"" + s + "\" title=\"" + s + "\">" + CLOCK.format(s) + "Z</time>";
    }

    /** A duration the way an operator reads it: {@code 500 ms}, {@code 45s}, {@code 12m 03s}, {@code 3h 05m}, {@code 2d 4h}. */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s == 0 && !d.isNegative()) {
            return d.toMillis() + " ms";
        } else if (s < 60) {
            return s + "s";
        } else if (s < 3600) {
            return String.format("%dm %02ds", s / 60, s % 60);
        } else if (s < 86400) {
            return String.format("%dh %02dm", s / 3600, (s % 3600) / 60);
        }
        return (s / 86400) + "d " + ((s % 86400) / 3600) + "h";
    }

    /** A page: the navigation, an optional notice, the body, the footer. */
    static String page(PageContext ctx, String title, String active, String body) {
        StringBuilder b = new StringBuilder(4096 + body.length());
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(text(title)).append(" - tasks dashboard</title>")
                .append("<link rel=\"stylesheet\" href=\"/static/dashboard.css\">")
                .append("<script src=\"/static/dashboard.js\" defer></script></head><body>")
                .append("<header><a class=\"brand\" href=\"/\">tasks</a><nav>");
        nav(b, "/", "Overview", "overview", active);
        nav(b, "/dead", "Dead letters", "dead", active);
        nav(b, "/delayed", "Delayed", "delayed", active);
        nav(b, "/schedules", "Schedules", "schedules", active);
        nav(b, "/task", "Tasks", "task", active);
        nav(b, "/workers", "Workers", "workers", active);
        b.append("</nav><span class=\"broker\" title=\"broker\">").append(text(ctx.brokerDescription()))
                .append("</span></header>");
        if (ctx.readOnlyReason() != null) {
            b.append("<p class=\"banner readonly\" id=\"read-only\">Read-only: ").append(text(ctx.readOnlyReason()))
                    .append("</p>");
        }
        if (ctx.notice() != null && !ctx.notice().isBlank()) {
            b.append("<p class=\"banner notice\" id=\"notice\" role=\"status\">").append(text(ctx.notice()))
                    .append("</p>");
        }
        b.append("<main>").append(body).append("</main></body></html>\n");
        return b.toString();
    }

    private static void nav(StringBuilder b, String href, String label, String key, String active) {
        b.append("<a href=\"").append(href).append('"').append(key.equals(active) ? " class=\"active\"" : "")
                .append('>').append(label).append("</a>");
    }

    /** A hidden CSRF field and the form's opening tag. */
    static String form(PageContext ctx, String action, String id) {
        return "<form method=\"post\" action=\"" + text(action) + "\"" + (id == null ? "" : " id=\"" + text(id) + "\"")
                + "><input type=\"hidden\" name=\"csrf\" value=\"" + text(ctx.csrfToken()) + "\">";
    }

    /**
     * What every page needs to know about the request it answers.
     *
     * @param brokerDescription the broker's loggable description
     * @param csrfToken the token forms carry
     * @param readOnlyReason why write actions are off, or null when they are on
     * @param notice a one-line message from the last action, or null
     */
    record PageContext(String brokerDescription, String csrfToken, String readOnlyReason, String notice) {
        boolean writable() {
            return readOnlyReason == null;
        }
    }
}
