package dev.tasks.dashboard;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tasks.TaskHandle;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.LogSafe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * The dashboard's one HTTP handler: applies the {@link Guard}, routes to the pages and carries out the
 * write actions (replay, purge, revoke) through the broker SPI, the same calls as {@code tasks dlq} and
 * {@code tasks revoke}. Every answer carries headers that keep it out of frames and caches and allow only
 * the dashboard's own script and style sheet. Thread-safe.
 */
final class Router implements HttpHandler {
    private static final Logger log = LogSafe.logger(Router.class);
    /** Request bodies larger than this are refused (a form of a few hundred ids is a few kilobytes). */
    static final int MAX_BODY = 256 * 1024;
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final int MAX_NOTICES = 256;

    private final Broker broker;
    private final Guard guard;
    private final Clock clock;
    private final OverviewPage overview;
    private final DeadLetterPage deadLetters;
    private final DelayedPage delayed;
    private final TaskPage tasks;
    private final WorkersPage workers;
    private final SchedulesPage schedules;
    private final Map<String, String> notices = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    Router(Broker broker, Guard guard, History history, Clock clock, Duration refresh) {
        this.broker = broker;
        this.guard = guard;
        this.clock = clock;
        this.overview = new OverviewPage(history, refresh);
        this.deadLetters = new DeadLetterPage(broker, history, clock);
        this.delayed = new DelayedPage(broker, history, clock);
        this.tasks = new TaskPage(broker, clock);
        this.workers = new WorkersPage(broker, clock, refresh);
        this.schedules = new SchedulesPage(broker, clock, refresh);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Headers out = ex.getResponseHeaders();
            out.set("Content-Security-Policy", CSP);
            out.set("X-Content-Type-Options", "nosniff");
            out.set("X-Frame-Options", "DENY");
            out.set("Referrer-Policy", "same-origin"); // no-referrer would make form posts carry "Origin: null"
            out.set("Cache-Control", "no-store");
            String host = ex.getRequestHeaders().getFirst("Host");
            if (!guard.hostAllowed(host)) {
                send(ex, 403, "text/plain", "this dashboard answers only to localhost, 127.0.0.1 and [::1]; Host was "
                        + host);
                return;
            }
            if (!guard.authenticated(ex.getRequestHeaders().getFirst("Authorization"))) {
                out.set("WWW-Authenticate", "Basic realm=\"tasks dashboard\", charset=\"UTF-8\"");
                send(ex, 401, "text/plain", "credentials required");
                return;
            }
            try {
                route(ex);
            } catch (BadRequest e) {
                send(ex, 400, "text/plain", e.getMessage());
            } catch (RuntimeException e) {
                log.warn("dashboard request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        e.toString());
                send(ex, 500, "text/html", Html.page(context(null), "Error", "",
                        "<h1>Error</h1><p class=\"banner error\" id=\"error\">" + Html.text(e.toString()) + "</p>"));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("dashboard could not answer a request: {}", e.toString());
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Map<String, List<String>> query = parse(ex.getRequestURI().getRawQuery());
        if ("POST".equals(method)) {
            Map<String, List<String>> form = form(ex);
            String refused = guard.refuseWrite(first(form, "csrf"), ex.getRequestHeaders().getFirst("Origin"),
                    ex.getRequestHeaders().getFirst("Host"));
            if (refused != null) {
                log.warn("dashboard refused {} {}: {}", method, path, refused);
                send(ex, 403, "text/plain", "refused: " + refused);
                return;
            }
            switch (path) {
                case "/dead/replay" -> replay(ex, form);
                case "/dead/purge" -> purge(ex, form);
                case "/revoke" -> revoke(ex, form);
                default -> send(ex, 404, "text/plain", "no such action: " + path);
            }
            return;
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD, POST");
            send(ex, 405, "text/plain", "method " + method + " not allowed");
            return;
        }
        Html.PageContext ctx = context(notices.remove(first(query, "n") == null ? "" : first(query, "n")));
        switch (path) {
            case "/" -> send(ex, 200, "text/html", overview.page(ctx));
            case "/live/overview" -> send(ex, 200, "text/html", overview.live());
            case "/dead" -> {
                String queue = first(query, "queue");
                if (queue == null || queue.isBlank()) {
                    send(ex, 200, "text/html", deadLetters.index(ctx));
                } else {
                    send(ex, 200, "text/html", deadLetters.page(ctx, queue, first(query, "task"), first(query, "reason"),
                            limit(first(query, "limit"), DeadLetterPage.DEFAULT_LIMIT)));
                }
            }
            case "/delayed" -> {
                String queue = first(query, "queue");
                if (queue == null || queue.isBlank()) {
                    send(ex, 200, "text/html", delayed.index(ctx));
                } else {
                    send(ex, 200, "text/html", delayed.page(ctx, queue, limit(first(query, "limit"),
                            DelayedPage.DEFAULT_LIMIT)));
                }
            }
            case "/task" -> send(ex, 200, "text/html", tasks.page(ctx, first(query, "id")));
            case "/workers" -> send(ex, 200, "text/html", workers.page(ctx));
            case "/live/workers" -> send(ex, 200, "text/html", workers.live());
            case "/schedules" -> send(ex, 200, "text/html", schedules.page(ctx, first(query, "lock")));
            case "/live/schedules" -> send(ex, 200, "text/html", schedules.live(first(query, "lock")));
            case "/static/dashboard.css" -> resource(ex, "dashboard.css", "text/css");
            case "/static/dashboard.js" -> resource(ex, "dashboard.js", "text/javascript");
            default -> send(ex, 404, "text/plain", "no such page: " + path);
        }
    }

    private void replay(HttpExchange ex, Map<String, List<String>> form) throws IOException {
        String queue = required(form, "queue");
        String one = first(form, "one");
        String scope = first(form, "scope");
        List<String> ids;
        if (one != null) {
            ids = List.of(one);
        } else if ("all".equals(scope)) {
            ids = List.of();
        } else {
            ids = form.getOrDefault("id", List.of());
            if (ids.isEmpty()) {
                redirect(ex, "/dead?queue=" + enc(queue), "nothing selected: tick the dead letters to replay first");
                return;
            }
        }
        int n = broker.replayDeadLetters(queue, ids);
        log.info("dashboard: replayed {} dead letter(s) of queue {} ({})", n, LogSafe.escape(queue),
                ids.isEmpty() ? "all" : ids.size() + " asked for");
        redirect(ex, "/dead?queue=" + enc(queue), "replayed " + n + " dead letter(s) to queue " + queue);
    }

    private void purge(HttpExchange ex, Map<String, List<String>> form) throws IOException {
        String queue = required(form, "queue");
        if (!"yes".equals(first(form, "confirm"))) {
            send(ex, 200, "text/html", deadLetters.confirmPurge(context(null), queue));
            return;
        }
        long n = broker.purgeDeadLetters(queue);
        log.info("dashboard: purged {} dead letter(s) of queue {}", n, LogSafe.escape(queue));
        redirect(ex, "/dead?queue=" + enc(queue), "purged " + n + " dead letter(s) of queue " + queue);
    }

    private void revoke(HttpExchange ex, Map<String, List<String>> form) throws IOException {
        String id = required(form, "id");
        boolean terminate = "yes".equals(first(form, "terminate"));
        String fromQueue = first(form, "queue"); // set by the delayed tasks page, which the answer returns to
        TaskHandle.of(id, null, null, broker, clock).revoke(terminate);
        log.info("dashboard: revoked task {}{}", LogSafe.escape(id), terminate ? " (terminate)" : "");
        if (fromQueue != null && !fromQueue.isBlank()) {
            redirect(ex, "/delayed?queue=" + enc(fromQueue), "revoked task " + id + "; it stays in queue " + fromQueue
                    + " until it is due, and the worker that fetches it then drops it");
            return;
        }
        redirect(ex, "/task?id=" + enc(id), "revoked task " + id
                + (terminate ? "; a run in progress is interrupted at its worker's next heartbeat" : ""));
    }

    private Html.PageContext context(String notice) {
        return new Html.PageContext(broker.describe(), guard.csrfToken(), guard.readOnlyReason(), notice);
    }

    private void redirect(HttpExchange ex, String location, String notice) throws IOException {
        if (notices.size() >= MAX_NOTICES) {
            notices.clear(); // notices nobody came back for
        }
        byte[] key = new byte[9];
        random.nextBytes(key);
        String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        notices.put(id, notice);
        ex.getResponseHeaders().set("Location", location + (location.contains("?") ? "&" : "?") + "n=" + id);
        ex.sendResponseHeaders(303, -1);
    }

    private void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = Router.class.getResourceAsStream("static/" + name)) {
            if (in == null) {
                send(ex, 404, "text/plain", "missing resource " + name);
                return;
            }
            byte[] body = in.readAllBytes();
            ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            ex.sendResponseHeaders(200, "HEAD".equals(ex.getRequestMethod()) ? -1 : body.length);
            if (!"HEAD".equals(ex.getRequestMethod())) {
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }

    private static Map<String, List<String>> form(HttpExchange ex) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new BadRequest("actions take an HTML form (application/x-www-form-urlencoded), was " + type);
        }
        byte[] body = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            throw new BadRequest("request body over " + MAX_BODY + " bytes");
        }
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    static Map<String, List<String>> parse(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            } catch (IllegalArgumentException e) {
                throw new BadRequest("malformed form or query parameter: " + e.getMessage());
            }
        }
        return out;
    }

    private static String first(Map<String, List<String>> m, String key) {
        List<String> v = m.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String required(Map<String, List<String>> m, String key) {
        String v = first(m, key);
        if (v == null || v.isBlank()) {
            throw new BadRequest("parameter '" + key + "' is required");
        }
        return v;
    }

    private static int limit(String raw, int fallback) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(raw.strip());
            if (n < 1 || n > 10_000) {
                throw new BadRequest("limit must be between 1 and 10000, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest("limit must be a number, was '" + raw + "'");
        }
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A request the dashboard cannot read: answered 400 with the message. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
