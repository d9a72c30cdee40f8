package dev.tasks.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.Signature;
import dev.tasks.TaskHandle;
import dev.tasks.TaskRegistry;
import dev.tasks.TaskState;
import dev.tasks.Tasks;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.spi.BeatStatus;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.LeaderLock;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import dev.tasks.spi.WorkerInfo;
import dev.tasks.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless browser against a real broker and a real worker: the counts it shows
 * are the broker's, a replayed dead letter runs, a purge asks first, a revoked delayed task never runs, the
 * delayed tasks and the beat's schedules are the broker's, and hostile text stays text. One broker, worker, dashboard and browser per class; each test uses its own
 * queues. Subclassed per broker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DashboardBrowserTest {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final List<Broker> brokers = new ArrayList<>();
    private final DashTasksImpl impl = new DashTasksImpl();
    private final String work = "dw-" + UUID.randomUUID().toString().substring(0, 8);
    private final String workerId = "dash-worker-" + UUID.randomUUID().toString().substring(0, 8);
    private Broker admin;
    private Tasks tasks;
    private Worker worker;
    private Dashboard dashboard;
    private Browser browser;

    /** A new connection to this class's backend. */
    protected abstract Broker openBroker();

    /** Drops the class's data after every connection is closed. */
    protected void cleanUp() {}

    /** Whether this class's screenshots are the ones kept in the docs. */
    protected boolean documents() {
        return false;
    }

    @BeforeAll
    void start() {
        browser = Browser.shared();
        admin = connect();
        TaskRegistry registry = TaskRegistry.builder().register(DashTasks.class, impl).build();
        tasks = Tasks.builder().broker(connect()).registry(registry).build();
        worker = Worker.builder().broker(connect()).registry(registry).queues(work).concurrency(2).workerId(workerId)
                .fetchWait(Duration.ofMillis(100)).heartbeatInterval(Duration.ofMillis(300))
                .shutdownGrace(Duration.ofSeconds(2)).build();
        worker.start();
        dashboard = Dashboard.builder().broker(connect()).port(0).refresh(Duration.ofMillis(500)).build().start();
        open("/"); // the browser's first page is slow: not inside a test that races a countdown
    }

    @AfterAll
    void stop() {
        if (dashboard != null) {
            dashboard.close();
        }
        if (worker != null) {
            worker.stopNow();
        }
        if (tasks != null) {
            tasks.close();
        }
        brokers.forEach(Broker::close);
        cleanUp();
    }

    private Broker connect() {
        Broker b = openBroker();
        brokers.add(b);
        return b;
    }

    private void open(String path) {
        browser.driver.get(dashboard.url() + path.substring(1));
    }

    /** The text of element {@code id}, waiting for it (a click that submits a form returns before the next page). */
    private String text(String id) {
        try {
            return await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> browser.driver.findElement(By.id(id)).getText(), t -> true);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no element #" + id + " on " + browser.driver.getCurrentUrl() + ":\n"
                    + browser.driver.getPageSource(), e);
        }
    }

    private void screenshot(String name) {
        if (documents()) {
            browser.screenshot(name);
        }
    }

    // ------------------------------------------------------------------------------------------- helpers

    private String queue(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String envelope(String id, String task, String queue, ObjectNode headers) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode e = json.createObjectNode();
        e.put("v", 1).put("id", id).put("task", task).put("queue", queue).put("attempt", 0).put("priority", 0)
                .put("createdAt", "2026-12-07T06:00:00Z");
        e.putArray("args").add("an argument").add(42);
        e.set("headers", headers == null ? json.createObjectNode() : headers);
        return e.toString();
    }

    /** Publishes a message and dead-letters it through the SPI, as a worker would. */
    private void deadLetter(String queue, String task, String reason, ObjectNode headers) {
        String id = UUID.randomUUID().toString();
        admin.publish(new OutboundMessage(id, queue, 0, null, envelope(id, task, queue, headers)));
        List<Delivery> got = admin.fetch(List.of(queue), 1, Duration.ofMinutes(5), Duration.ofSeconds(2));
        assertThat(got).hasSize(1);
        admin.deadLetter(got.get(0), reason);
    }

    private void awaitRow(String queue, QueueStats expected) {
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
            WebElement row = browser.driver.findElement(By.cssSelector("tr[data-queue='" + queue + "']"));
            assertThat(List.of(row.findElement(By.className("ready")).getText(),
                    row.findElement(By.className("delayed")).getText(), row.findElement(By.className("inflight")).getText(),
                    row.findElement(By.className("dead")).getText()))
                    .containsExactly(String.valueOf(expected.ready()), String.valueOf(expected.delayed()),
                            String.valueOf(expected.inFlight()), String.valueOf(expected.dead()));
        });
    }

    // --------------------------------------------------------------------------------------------- tests

    @Test
    void overview_shows_the_counts_the_broker_has_and_keeps_them_live() {
        String q = queue("counts");
        for (int i = 0; i < 5; i++) {
            tasks.send(Signature.of("dash.ok", "r" + i).queue(q));
        }
        tasks.send(Signature.of("dash.ok", "d1").queue(q).countdown(Duration.ofHours(1)));
        tasks.send(Signature.of("dash.ok", "d2").queue(q).countdown(Duration.ofHours(1)));
        List<Delivery> leased = admin.fetch(List.of(q), 1, Duration.ofMinutes(5), Duration.ofSeconds(2));
        assertThat(leased).hasSize(1);
        deadLetter(q, "dash.ok", "a reason", null);

        QueueStats stats = admin.stats(q);
        assertThat(stats).isEqualTo(new QueueStats(q, 4, 2, 1, 1));
        open("/");
        awaitRow(q, stats);
        assertThat(text("as-of")).matches("\\d\\d:\\d\\d:\\d\\dZ");

        // live: a change in the broker shows up without reloading the page
        tasks.send(Signature.of("dash.ok", "r9").queue(q));
        awaitRow(q, new QueueStats(q, 5, 2, 1, 1));
        assertThat(admin.stats(q)).isEqualTo(new QueueStats(q, 5, 2, 1, 1));
        screenshot("dashboard-overview");
    }

    @Test
    void replaying_a_dead_letter_from_the_page_runs_it_again() {
        impl.failing.add("k1");
        TaskHandle h = tasks.send(Signature.of("dash.flaky", "k1").queue(work));
        await().atMost(TIMEOUT).until(() -> admin.stats(work).dead() == 1);
        impl.failing.remove("k1");
        assertThat(impl.runs("k1")).isZero();

        open("/dead?queue=" + work);
        WebElement row = browser.driver.findElement(By.cssSelector("tr.letter"));
        assertThat(row.findElement(By.className("task-name")).getText()).isEqualTo("dash.flaky");
        assertThat(row.findElement(By.className("task-id")).getText()).isEqualTo(h.id());
        assertThat(row.findElement(By.className("reason-line")).getText()).contains("flaky task k1 fails on purpose");
        screenshot("dashboard-dead-letters");

        row.findElement(By.className("replay-one")).click();
        assertThat(text("notice")).isEqualTo("replayed 1 dead letter(s) to queue " + work);
        await().atMost(TIMEOUT).until(() -> impl.runs("k1") == 1);
        await().atMost(TIMEOUT).until(() -> admin.stats(work).dead() == 0);
    }

    @Test
    void purging_asks_for_confirmation_first_then_deletes_every_dead_letter() {
        String q = queue("purge");
        deadLetter(q, "dash.ok", "first", null);
        deadLetter(q, "dash.ok", "second", null);
        open("/dead?queue=" + q);
        assertThat(text("dead-count")).isEqualTo("2");

        browser.driver.findElement(By.id("purge-all")).click();
        assertThat(text("confirm-text")).contains("Delete all 2 dead letter(s) of queue " + q);
        assertThat(admin.stats(q).dead()).as("nothing is purged before the confirmation").isEqualTo(2);
        screenshot("dashboard-purge-confirmation");

        browser.driver.findElement(By.id("cancel-purge")).click();
        assertThat(admin.stats(q).dead()).as("cancel purges nothing").isEqualTo(2);
        browser.driver.findElement(By.id("purge-all")).click();
        browser.driver.findElement(By.id("confirm-purge")).click();
        assertThat(text("notice")).isEqualTo("purged 2 dead letter(s) of queue " + q);
        assertThat(text("dead-count")).isEqualTo("0");
        assertThat(admin.stats(q).dead()).isZero();
    }

    @Test
    void revoking_a_delayed_task_from_its_page_keeps_it_from_running() {
        Duration countdown = Duration.ofSeconds(4);
        long sent = System.nanoTime();
        TaskHandle h = tasks.send(Signature.of("dash.ok", "rv").queue(work).countdown(countdown));
        open("/task?id=" + h.id());
        assertThat(text("task-revoked")).isEqualTo("no");
        browser.driver.findElement(By.id("revoke")).click();
        assertThat(text("notice")).isEqualTo("revoked task " + h.id());
        assertThat(text("task-state")).isEqualTo("REVOKED");
        assertThat(text("task-revoked")).isEqualTo("yes");
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("revoked before the task was due").isLessThan(countdown);
        screenshot("dashboard-task");

        // the worker meets it when it is due and drops it: nothing waits any more, and it never ran
        await().atMost(TIMEOUT).untilAsserted(() -> {
            QueueStats s = admin.stats(work);
            assertThat(s.delayed() + s.ready() + s.inFlight()).isZero();
        });
        assertThat(impl.runs("rv")).isZero();
        assertThat(h.state()).isEqualTo(TaskState.REVOKED);
    }

    @Test
    void hostile_task_names_reasons_and_headers_show_as_text_and_secrets_are_masked() {
        String q = queue("hostile");
        String name = "<script>window.pwned=1</script>";
        String reason = "<img src=x onerror=\"window.pwned=2\"> & \"quotes\"";
        ObjectNode headers = new ObjectMapper().createObjectNode().put("Authorization", "Bearer sup3rs3cret")
                .put("trace", "<b>bold?</b>");
        deadLetter(q, name, reason, headers);

        open("/dead?queue=" + q);
        WebElement row = browser.driver.findElement(By.cssSelector("tr.letter"));
        assertThat(row.findElement(By.className("task-name")).getText()).isEqualTo(name);
        assertThat(row.findElement(By.className("reason-line")).getText()).isEqualTo(reason);
        row.findElement(By.tagName("summary")).click();
        assertThat(row.findElement(By.cssSelector("td.masked")).getText()).isEqualTo(DeadLetterView.MASK);
        assertThat(row.getText()).contains("<b>bold?</b>").contains("\"an argument\"");
        assertThat(browser.driver.executeScript(
                "return document.querySelectorAll('tr.letter script, tr.letter img, tr.letter b').length"))
                .isEqualTo(0L);
        assertThat(browser.driver.executeScript("return typeof window.pwned")).isEqualTo("undefined");
        assertThat(browser.driver.getPageSource()).doesNotContain("sup3rs3cret");

        // the filter finds it by its name and by its reason, and a filter that matches nothing shows nothing
        open("/dead?queue=" + q + "&task=%3Cscript&reason=onerror");
        assertThat(text("shown-count")).isEqualTo("1");
        open("/dead?queue=" + q + "&task=other");
        assertThat(text("shown-count")).isEqualTo("0");
        assertThat(browser.driver.executeScript("return typeof window.pwned")).isEqualTo("undefined");
    }

    @Test
    void a_replay_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
        String q = queue("csrf");
        deadLetter(q, "dash.ok", "kept", null);
        open("/dead?queue=" + q);
        browser.driver.executeScript(
                "document.querySelector('#replay-form input[name=csrf]').value = 'forged-' + Date.now()");
        browser.driver.findElement(By.id("replay-all")).click();
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> // the answer is a new page: wait for it
                assertThat(browser.driver.findElement(By.tagName("body")).getText())
                        .startsWith("refused: the form's CSRF token is missing or wrong"));
        assertThat(admin.stats(q).dead()).isEqualTo(1);
        assertThat(admin.stats(q).ready()).isZero();
    }

    @Test
    void workers_page_lists_the_running_worker_and_marks_one_that_missed_its_heartbeats_stale() {
        Instant now = Instant.now();
        String dead = "dash-dead-" + UUID.randomUUID().toString().substring(0, 8);
        admin.workers().orElseThrow().record(new WorkerInfo(dead, "gone.example", 4242, List.of("orders"), 4, 1,
                "0.0.9", now.minusSeconds(600), now.minusSeconds(120), now.minusSeconds(60)));
        open("/workers");
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
            WebElement live = browser.driver.findElement(By.cssSelector("tr[data-worker='" + workerId + "']"));
            assertThat(live.findElement(By.className("queues")).getText()).isEqualTo(work);
            assertThat(live.findElement(By.className("concurrency")).getText()).isEqualTo("2");
            assertThat(live.findElement(By.className("status")).getText()).isEqualTo("live");
            // the list is redrawn every refresh: look the rows up again on each try
            WebElement stale = browser.driver.findElement(By.cssSelector("tr[data-worker='" + dead + "']"));
            assertThat(stale.getAttribute("class")).contains("stale");
            assertThat(stale.findElement(By.className("status")).getText()).isEqualTo("stale");
            assertThat(stale.getText()).contains("gone.example", "4242", "orders", "0.0.9");
        });
        screenshot("dashboard-workers");
        admin.workers().orElseThrow().remove(dead);
    }

    @Test
    void delayed_page_lists_countdown_tasks_soonest_first_with_their_due_time_and_revokes_one() {
        String q = queue("delayed");
        TaskHandle later = tasks.send(Signature.of("dash.ok", "later").queue(q).countdown(Duration.ofHours(2)));
        TaskHandle soon = tasks.send(Signature.of("dash.ok", "soon").queue(q).countdown(Duration.ofHours(1)));
        List<dev.tasks.spi.DelayedMessage> listed = admin.delayed(q, 10);
        assertThat(listed).extracting(dev.tasks.spi.DelayedMessage::id).containsExactly(soon.id(), later.id());
        Instant soonDue = listed.get(0).dueAt();

        open("/");
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> browser.driver
                .findElement(By.cssSelector("tr[data-queue='" + q + "'] td.delayed a")).click());
        assertThat(text("delayed-count")).isEqualTo("2");
        List<WebElement> rows = browser.driver.findElements(By.cssSelector("tr.delayed"));
        assertThat(rows).extracting(r -> r.getAttribute("data-id")).containsExactly(soon.id(), later.id());
        WebElement first = rows.get(0);
        assertThat(first.findElement(By.className("task-name")).getText()).isEqualTo("dash.ok");
        assertThat(first.findElement(By.className("task-id")).getText()).isEqualTo(soon.id());
        assertThat(first.findElement(By.cssSelector("td.due time")).getAttribute("datetime"))
                .isEqualTo(soonDue.truncatedTo(ChronoUnit.SECONDS).toString());
        assertThat(first.findElement(By.className("due-in")).getText()).matches("in (59m \\d\\ds|1h 00m)");
        assertThat(first.findElement(By.className("why")).getText()).isEqualTo("countdown or eta");
        assertThat(first.findElement(By.className("attempt")).getText()).isEqualTo("1");
        assertThat(first.findElement(By.className("revoked-state")).getText()).isEqualTo("no");
        screenshot("dashboard-delayed");

        first.findElement(By.className("revoke-one")).click();
        assertThat(text("notice")).isEqualTo("revoked task " + soon.id() + "; it stays in queue " + q
                + " until it is due, and the worker that fetches it then drops it");
        WebElement revokedRow = browser.driver.findElement(By.cssSelector("tr.delayed[data-id='" + soon.id() + "']"));
        assertThat(revokedRow.getAttribute("class")).contains("revoked");
        assertThat(revokedRow.findElement(By.className("revoked-state")).getText()).isEqualTo("yes");
        assertThat(revokedRow.findElements(By.className("revoke-one"))).isEmpty();
        assertThat(admin.control().revoked(List.of(soon.id(), later.id()))).containsOnlyKeys(soon.id());
        assertThat(soon.state()).isEqualTo(TaskState.REVOKED);
        assertThat(admin.stats(q).delayed()).as("revoking removes nothing from the queue").isEqualTo(2);
    }

    @Test
    void a_hostile_task_name_on_the_delayed_page_shows_as_text() {
        String q = queue("hostile-delayed");
        String id = UUID.randomUUID().toString();
        String name = "<script>window.pwned=3</script><img src=x onerror=\"window.pwned=4\">";
        admin.publish(new OutboundMessage(id, q, 0, Instant.now().plusSeconds(3600), envelope(id, name, q, null)));
        open("/delayed?queue=" + q);
        WebElement row = browser.driver.findElement(By.cssSelector("tr.delayed"));
        assertThat(row.findElement(By.className("task-name")).getText()).isEqualTo(name);
        assertThat(browser.driver.executeScript(
                "return document.querySelectorAll('tr.delayed script, tr.delayed img').length")).isEqualTo(0L);
        assertThat(browser.driver.executeScript("return typeof window.pwned")).isEqualTo("undefined");
    }

    @Test
    void schedules_page_shows_the_leader_and_each_schedules_next_fire_time_and_last_slot() {
        Schedule hourly = Schedule.builder("hourly-report").task("dash.ok", "hourly").cron("0 * * * *").queue(work)
                .build();
        Schedule often = Schedule.builder("every-second").task("dash.ok", "tick").every(Duration.ofSeconds(1))
                .queue(work).build();
        try (Beat beat = Beat.builder().tasks(tasks).broker(connect()).schedules(hourly, often)
                .tick(Duration.ofMillis(100)).build()) {
            beat.start();
            await().atMost(TIMEOUT).until(beat::isLeader);
            open("/schedules");
            assertThat(text("beat-leader")).isEqualTo(beat.owner());
            await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
                // the list is redrawn every refresh: look the rows up again on each try
                Instant now = Instant.now();
                WebElement h = browser.driver.findElement(By.cssSelector("tr[data-schedule='hourly-report']"));
                assertThat(h.findElement(By.className("task-name")).getText()).isEqualTo("dash.ok");
                assertThat(h.findElement(By.className("timing")).getText()).isEqualTo("cron 0 * * * * (UTC)");
                Instant nextHour = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
                assertThat(h.findElement(By.cssSelector("td.next time")).getAttribute("datetime"))
                        .isIn(nextHour.toString(), nextHour.plus(Duration.ofHours(1)).toString());
                assertThat(h.findElements(By.cssSelector("td.then time"))).hasSize(2);
                WebElement e = browser.driver.findElement(By.cssSelector("tr[data-schedule='every-second']"));
                assertThat(e.findElement(By.className("timing")).getText()).isEqualTo("every PT1S");
                assertThat(e.findElements(By.cssSelector("td.last time"))).as("a slot fired").hasSize(1);
            });
            await().atMost(TIMEOUT).until(() -> impl.runs("tick") >= 1);
            assertThat(browser.driver.findElements(By.id("beat-stale"))).isEmpty();
            screenshot("dashboard-schedules");
        }
        assertThat(impl.runs("hourly")).isZero();
    }

    @Test
    void schedules_page_shows_hostile_schedule_names_as_text_and_marks_a_leader_whose_lease_ran_out() {
        String lock = "dash-lock-" + UUID.randomUUID().toString().substring(0, 8);
        LeaderLock.LockLease lease = admin.leaderLock().tryAcquire(lock, "<b>owner</b>", Duration.ofMinutes(1))
                .orElseThrow();
        Instant now = Instant.now();
        String name = "<script>window.pwned=5</script>";
        BeatStatus status = new BeatStatus(lock, "<b>owner</b>", lease.fencingToken(), now.minusSeconds(90),
                now.minusSeconds(60), List.of(new BeatStatus.ScheduleStatus(name, "<img src=x onerror=\"window.pwned=6\">",
                        "every PT1H", now.minusSeconds(120), true, List.of(now.plusSeconds(3480)))));
        assertThat(admin.state().putFenced(BeatStatus.key(lock), status.toJson(), lease)).isTrue();

        open("/schedules?lock=" + lock);
        assertThat(text("beat-leader")).isEqualTo("<b>owner</b>");
        assertThat(text("beat-stale")).contains("ran out").contains("no other beat took over");
        WebElement row = browser.driver.findElement(By.cssSelector("tr.schedule"));
        assertThat(row.findElement(By.className("schedule-name")).getText()).isEqualTo(name);
        assertThat(row.findElement(By.className("pending")).getText()).isEqualTo("(enqueue not confirmed yet)");
        assertThat(browser.driver.executeScript(
                "return document.querySelectorAll('main script, main img, main b#beat-leader b').length")).isEqualTo(0L);
        assertThat(browser.driver.executeScript("return typeof window.pwned")).isEqualTo("undefined");
        admin.leaderLock().release(lease);
    }
}
