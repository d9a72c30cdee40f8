package dev.tasks.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Broker;
import dev.tasks.spi.DelayedMessage;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import dev.tasks.spi.OutboundMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's guards over plain HTTP (no browser): CSRF tokens, foreign origins, credentials, the
 * read-only modes, the Host check against DNS rebinding, and the headers every answer carries.
 */
class DashboardHttpTest {
    private static final String PASSWORD = "correct-horse-battery";
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private Dashboard dashboard;

    @AfterEach
    void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        broker.close();
    }

    private Dashboard start(Dashboard.Builder b) {
        dashboard = b.broker(broker).port(0).build().start();
        return dashboard;
    }

    private String base() {
        return "http://127.0.0.1:" + dashboard.port();
    }

    private void deadLetter(String queue) {
        broker.publish(new OutboundMessage("m-" + System.nanoTime(), queue, 0, null,
                "{\"v\":1,\"id\":\"x\",\"task\":\"t\",\"args\":[]}"));
        List<Delivery> d = broker.fetch(List.of(queue), 1, Duration.ofMinutes(1), Duration.ZERO);
        broker.deadLetter(d.get(0), "dead on purpose");
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base() + path));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        headers.forEach(r::header);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String csrf(String html) {
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(html);
        assertThat(m.find()).as("a CSRF field in the page").isTrue();
        return m.group(1);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_replay_needs_the_pages_csrf_token_and_a_same_origin() throws Exception {
        start(Dashboard.builder());
        deadLetter("q1");
        String token = csrf(get("/dead?queue=q1", null).body());

        HttpResponse<String> none = post("/dead/replay", "queue=q1&scope=all", Map.of());
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).isEqualTo("refused: the form's CSRF token is missing or wrong (reload the page and try"
                + " again)");
        assertThat(post("/dead/replay", "queue=q1&scope=all&csrf=" + token + "x", Map.of()).statusCode())
                .isEqualTo(403);
        HttpResponse<String> foreign = post("/dead/replay", "queue=q1&scope=all&csrf=" + token,
                Map.of("Origin", "http://evil.example"));
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("another site");
        assertThat(broker.stats("q1").dead()).isEqualTo(1);

        HttpResponse<String> ok = post("/dead/replay", "queue=q1&scope=all&csrf=" + token,
                Map.of("Origin", base()));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location").orElseThrow()).startsWith("/dead?queue=q1&n=");
        assertThat(broker.stats("q1").dead()).isZero();
        assertThat(broker.stats("q1").ready()).isEqualTo(1);
        assertThat(get(ok.headers().firstValue("Location").orElseThrow(), null).body())
                .contains("replayed 1 dead letter(s) to queue q1");
    }

    @Test
    void actions_are_refused_without_a_form_body_and_other_methods_are_not_allowed() throws Exception {
        start(Dashboard.builder());
        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base() + "/dead/purge"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(json.body()).isEqualTo("actions take an HTML form (application/x-www-form-urlencoded), was"
                + " application/json");
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base() + "/"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
    }

    @Test
    void bound_beyond_localhost_without_credentials_it_is_read_only() throws Exception {
        start(Dashboard.builder().bind("0.0.0.0"));
        deadLetter("q2");
        HttpResponse<String> page = get("/dead?queue=q2", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Read-only: bound beyond localhost without credentials")
                .doesNotContain("name=\"csrf\"").doesNotContain("replay-all");
        assertThat(dashboard.readOnlyReason()).startsWith("bound beyond localhost without credentials");
        // even with the token (which a page would never hand out here), the action is refused
        String token = csrfOf(dashboard);
        HttpResponse<String> r = post("/dead/replay", "queue=q2&scope=all&csrf=" + token, Map.of());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).startsWith("refused: write actions are off: bound beyond localhost without credentials");
        assertThat(broker.stats("q2").dead()).isEqualTo(1);
    }

    @Test
    void with_credentials_every_request_needs_them_and_actions_work_with_them() throws Exception {
        start(Dashboard.builder().bind("0.0.0.0").credentials(DashboardCredentials.of("ops", PASSWORD)));
        deadLetter("q3");
        HttpResponse<String> anonymous = get("/", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic realm=");
        assertThat(get("/", basic("ops", PASSWORD + "x")).statusCode()).isEqualTo(401);
        assertThat(get("/", basic("other", PASSWORD)).statusCode()).isEqualTo(401);
        assertThat(get("/", "Bearer wrong-token-value").statusCode()).isEqualTo(401);
        assertThat(get("/", "Bearer " + PASSWORD).statusCode()).isEqualTo(200);

        String token = csrf(get("/dead?queue=q3", basic("ops", PASSWORD)).body());
        assertThat(post("/dead/purge", "queue=q3&confirm=yes&csrf=" + token, Map.of()).statusCode()).isEqualTo(401);
        assertThat(broker.stats("q3").dead()).isEqualTo(1);
        HttpResponse<String> r = post("/dead/purge", "queue=q3&confirm=yes&csrf=" + token,
                Map.of("Authorization", basic("ops", PASSWORD)));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(broker.stats("q3").dead()).isZero();
    }

    @Test
    void read_only_mode_hides_and_refuses_every_action() throws Exception {
        start(Dashboard.builder().readOnly(true));
        deadLetter("q4");
        String page = get("/dead?queue=q4", null).body();
        assertThat(page).contains("Read-only: started in read-only mode").doesNotContain("name=\"csrf\"");
        HttpResponse<String> r = post("/revoke", "id=abc&csrf=" + csrfOf(dashboard), Map.of());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(broker.control().revoked(List.of("abc"))).isEmpty();
    }

    @Test
    void on_loopback_a_foreign_host_header_is_refused_against_dns_rebinding() throws Exception {
        start(Dashboard.builder());
        assertThat(rawGet("evil.example:" + dashboard.port())).startsWith("HTTP/1.1 403");
        assertThat(rawGet("localhost:" + dashboard.port())).startsWith("HTTP/1.1 200");
        assertThat(rawGet("127.0.0.1:" + dashboard.port())).startsWith("HTTP/1.1 200");
        assertThat(rawGet("[::1]:" + dashboard.port())).startsWith("HTTP/1.1 200");
    }

    @Test
    void every_page_forbids_framing_inline_script_and_foreign_assets() throws Exception {
        start(Dashboard.builder());
        for (String path : List.of("/", "/dead", "/task?id=x", "/workers", "/live/overview", "/delayed",
                "/delayed?queue=q5", "/schedules", "/live/schedules?lock=beat")) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'");
            assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
            assertThat(r.body()).doesNotContain("http://", "https://", "<script>");
        }
        assertThat(get("/static/dashboard.js", null).body()).doesNotContain("http://", "https://");
        assertThat(get("/static/dashboard.css", null).body()).doesNotContain("http://", "https://", "@import");
    }

    @Test
    void a_broker_that_cannot_list_delayed_tasks_gets_a_page_that_says_so() throws Exception {
        try (Broker plain = new ForwardingBroker(broker) {
            @Override
            public List<DelayedMessage> delayed(String queue, int limit) {
                throw new UnsupportedOperationException("broker " + describe() + " cannot list its delayed messages");
            }

            @Override
            public void close() {}
        }) {
            dashboard = Dashboard.builder().broker(plain).port(0).build().start();
            HttpResponse<String> r = get("/delayed?queue=q6", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("id=\"delayed-unsupported\"", "This broker cannot list its delayed tasks")
                    .doesNotContain("id=\"delayed\"");
        }
    }

    @Test
    void the_delayed_page_of_a_queue_without_delayed_tasks_and_a_missing_beat_status_say_so() throws Exception {
        start(Dashboard.builder());
        broker.publish(new OutboundMessage("m-now", "q7", 0, null, "{}"));
        assertThat(get("/delayed?queue=q7", null).body()).contains("<b id=\"delayed-count\">0</b>", "No delayed tasks.");
        assertThat(get("/delayed?queue=q7&limit=0", null).statusCode()).isEqualTo(400);
        assertThat(get("/schedules", null).body()).contains("id=\"no-beat\"", "beat:status:beat");
    }

    private String rawGet(String host) throws IOException {
        try (Socket s = new Socket("127.0.0.1", dashboard.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The dashboard's token, read the way a page would be served it on a writable dashboard. */
    private static String csrfOf(Dashboard d) throws Exception {
        java.lang.reflect.Field f = Dashboard.class.getDeclaredField("guard");
        f.setAccessible(true);
        return ((Guard) f.get(d)).csrfToken();
    }
}
