package dev.tasks.beat;

import dev.tasks.tck.SettableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskRegistry;
import dev.tasks.Tasks;
import dev.tasks.fixtures.ShopTasks.AnalyticsTasks;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import dev.tasks.spi.BeatStatus;
import dev.tasks.spi.Broker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.LeaderLock.LockLease;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Beat's behaviour on a broker: slots fired once, missed-run policies, leader failover and fencing. Time is
 * driven by a settable clock, which every broker's lock and state stores honour. Subclassed per broker.
 */
public abstract class BeatContractTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration TICK = Duration.ofMillis(5);
    /** Generous: conditions are polled, and a busy 2-core machine can stall a beat tick for seconds. */
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration QUIET = Duration.ofMillis(150);

    private final SettableClock clock = new SettableClock(java.time.Instant.parse("2026-05-10T12:00:00Z"));
    protected Broker broker;
    private Tasks tasks;
    private final List<Beat> beats = new ArrayList<>();
    private final List<Envelope> sent = new CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.BeforeAll
    static void pollOften() {
        org.awaitility.Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        org.awaitility.Awaitility.setDefaultPollDelay(Duration.ZERO);
    }

    @org.junit.jupiter.api.AfterAll
    static void resetPolling() {
        org.awaitility.Awaitility.reset();
    }

    /** A broker on a store private to the current test, reading time from {@code clock}. */
    protected abstract Broker newBroker(java.time.Clock clock);

    /** Closes the test's broker (override to also drop the test's data). */
    protected void closeBroker(Broker broker) {
        broker.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void setUpBroker() {
        broker = newBroker(clock);
        tasks = Tasks.builder().broker(broker).clock(clock).build();
    }

    @AfterEach
    void tearDown() {
        beats.forEach(Beat::close);
        tasks.close();
        closeBroker(broker);
    }

    private static Schedule everyMinute(MissedRunPolicy policy) {
        return Schedule.builder("tick").task("reports.tick", 7).every(Duration.ofMinutes(1)).missed(policy).build();
    }

    private Beat beat(String owner, Broker b, Schedule... schedules) {
        Tasks client = b == broker ? tasks : Tasks.builder().broker(b).clock(clock).build();
        Beat beat = Beat.builder().tasks(client).broker(b).schedules(schedules).clock(clock).lockTtl(TTL).tick(TICK)
                .owner(owner).build();
        beats.add(beat);
        return beat;
    }

    /** Moves everything enqueued so far into {@link #sent} and returns how many there are in all. */
    private int sentCount() {
        EnvelopeCodec codec = EnvelopeCodec.json();
        for (String q : broker.queues()) {
            List<Delivery> ds = broker.fetch(List.of(q), 100, Duration.ofHours(1), Duration.ZERO);
            for (Delivery d : ds) {
                sent.add(codec.decode(d.payload()));
            }
            broker.ack(ds);
        }
        return sent.size();
    }

    private void awaitStarted(Beat beat, String schedule) {
        await().atMost(WAIT).until(() -> beat.isLeader()
                && broker.state().get("beat:last:" + schedule).isPresent());
    }

    private void awaitSentExactly(int n) {
        await().atMost(WAIT).until(() -> sentCount() >= n);
        await().during(QUIET).atMost(WAIT).until(() -> sentCount() == n);
    }

    @Test
    void enqueues_each_slot_once_with_the_schedule_idempotency_key() {
        Beat beat = beat("a", broker, Schedule.builder("nightly").task("reports.nightly", "pdf", 3)
                .cron("0 2 * * *").queue("reports").build());
        clock.set(Instant.parse("2026-05-10T01:59:00Z"));
        beat.start();
        awaitStarted(beat, "nightly");
        awaitSentExactly(0);
        clock.set(Instant.parse("2026-05-10T02:00:00.004Z"));
        awaitSentExactly(1);
        Envelope e = sent.get(0);
        assertThat(e.task()).isEqualTo("reports.nightly");
        assertThat(e.queue()).isEqualTo("reports");
        assertThat(e.args().toString()).isEqualTo("[\"pdf\",3]");
        assertThat(e.idempotencyKey()).isEqualTo("nightly@2026-05-10T02:00:00Z");
        assertThat(e.headers()).containsEntry(Schedule.HEADER_SCHEDULE, "nightly")
                .containsEntry(Schedule.HEADER_SLOT, "2026-05-10T02:00:00Z");
        assertThat(broker.state().get("beat:last:nightly")).contains("2026-05-10T02:00:00Z");
        clock.set(Instant.parse("2026-05-11T02:00:00Z"));
        awaitSentExactly(2);
        assertThat(sent.get(1).idempotencyKey()).isEqualTo("nightly@2026-05-11T02:00:00Z");
    }

    @Test
    void type_safe_signature_schedules_enqueue_the_declared_task() {
        Tasks declared = Tasks.builder().broker(broker).clock(clock).declare(OrderTasks.class).build();
        Schedule s = Schedule.builder("confirm")
                .task(declared.signature(OrderTasks.class, t -> t.sendOrderConfirmation(42L)))
                .every(Duration.ofSeconds(30)).build();
        Beat beat = Beat.builder().tasks(declared).schedules(s).clock(clock).tick(TICK).build();
        beats.add(beat);
        beat.start();
        awaitStarted(beat, "confirm");
        clock.advance(Duration.ofSeconds(30));
        awaitSentExactly(1);
        assertThat(sent.get(0).task()).isEqualTo("orders.sendOrderConfirmation");
        assertThat(sent.get(0).queue()).isEqualTo("orders");
        assertThat(sent.get(0).idempotencyKey()).isEqualTo("confirm@2026-05-10T12:00:30Z");
    }

    @Test
    void a_restart_never_fires_a_slot_twice() {
        Beat first = beat("a", broker, everyMinute(MissedRunPolicy.RUN_ONCE));
        first.start();
        awaitStarted(first, "tick");
        clock.advance(Duration.ofMinutes(1));
        awaitSentExactly(1);
        first.stop();
        Beat second = beat("b", broker, everyMinute(MissedRunPolicy.RUN_ONCE));
        second.start();
        await().atMost(WAIT).until(second::isLeader);
        awaitSentExactly(1);
        clock.advance(Duration.ofMinutes(1));
        awaitSentExactly(2);
        assertThat(sent).extracting(Envelope::idempotencyKey)
                .containsExactly("tick@2026-05-10T12:01:00Z", "tick@2026-05-10T12:02:00Z");
    }

    /** Beat "a" on the every-minute SKIP schedule, through {@code view}, started and leading. */
    private Beat startedLeader(FaultyBroker view) {
        Beat a = beat("a", view, everyMinute(MissedRunPolicy.SKIP));
        a.start();
        awaitStarted(a, "tick");
        return a;
    }

    private static Schedule hourly(MissedRunPolicy policy) {
        return Schedule.builder("hourly").task("reports.hourly").cron("@hourly").missed(policy).build();
    }

    @Test
    void skip_policy_drops_runs_missed_while_no_beat_ran() {
        Beat first = beat("a", broker, hourly(MissedRunPolicy.SKIP));
        first.start();
        awaitStarted(first, "hourly");
        first.stop();
        clock.set(Instant.parse("2026-05-10T15:20:30Z")); // 12:00 was handled; 13:00-15:00 missed (grace 10 min)
        Beat second = beat("b", broker, hourly(MissedRunPolicy.SKIP));
        second.start();
        await().atMost(WAIT).until(() -> broker.state().get("beat:last:hourly").orElse("").equals("2026-05-10T15:00:00Z"));
        awaitSentExactly(0);
        clock.set(Instant.parse("2026-05-10T16:00:00Z"));
        awaitSentExactly(1);
        assertThat(sent.get(0).idempotencyKey()).isEqualTo("hourly@2026-05-10T16:00:00Z");
    }

    @Test
    void run_once_policy_catches_up_with_a_single_run_after_downtime() {
        Beat first = beat("a", broker, hourly(MissedRunPolicy.RUN_ONCE));
        first.start();
        awaitStarted(first, "hourly");
        first.stop();
        clock.set(Instant.parse("2026-05-10T15:20:30Z"));
        Beat second = beat("b", broker, hourly(MissedRunPolicy.RUN_ONCE));
        second.start();
        awaitSentExactly(1);
        assertThat(sent.get(0).idempotencyKey()).isEqualTo("hourly@2026-05-10T15:00:00Z");
        clock.set(Instant.parse("2026-05-10T16:00:00Z"));
        awaitSentExactly(2);
        assertThat(sent.get(1).idempotencyKey()).isEqualTo("hourly@2026-05-10T16:00:00Z");
    }

    @Test
    void a_slot_late_within_the_grace_period_is_not_missed_even_after_downtime() {
        Beat first = beat("a", broker, everyMinute(MissedRunPolicy.SKIP));
        first.start();
        awaitStarted(first, "tick");
        first.stop();
        clock.set(Instant.parse("2026-05-10T15:00:30Z")); // grace 10 min: 14:51 to 15:00 are late, not missed
        Beat second = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        second.start();
        awaitSentExactly(10);
        assertThat(sent).extracting(Envelope::idempotencyKey).containsExactly(minuteKeys("14:51", 10));
    }

    /** The idempotency keys of {@code n} slots of schedule "tick", one a minute from {@code hhmm} on 2026-05-10. */
    private static String[] minuteKeys(String hhmm, int n) {
        Instant first = Instant.parse("2026-05-10T" + hhmm + ":00Z");
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "tick@" + first.plus(Duration.ofMinutes(i)))
                .toArray(String[]::new);
    }

    @Test
    void a_slot_recorded_but_not_enqueued_before_a_crash_is_sent_by_the_next_leader() {
        LockLease crashed = broker.leaderLock().tryAcquire("beat", "crashed", Duration.ofSeconds(10)).orElseThrow();
        assertThat(broker.state().putFenced("beat:last:tick", "2026-05-10T11:59:50Z pending", crashed)).isTrue();
        broker.leaderLock().release(crashed);
        Beat beat = beat("a", broker, Schedule.builder("tick").task("reports.tick").every(Duration.ofSeconds(10)).build());
        beat.start();
        awaitSentExactly(2); // the unconfirmed slot, then the slot due now
        assertThat(sent).extracting(Envelope::idempotencyKey)
                .containsExactly("tick@2026-05-10T11:59:50Z", "tick@2026-05-10T12:00:00Z");
        await().atMost(WAIT).until(() -> broker.state().get("beat:last:tick").orElse("").equals("2026-05-10T12:00:00Z"));
    }

    @Test
    void only_one_of_two_beats_enqueues_and_the_standby_takes_over_at_once_after_a_warm_stop() {
        Beat a = beat("a", broker, everyMinute(MissedRunPolicy.SKIP));
        a.start();
        awaitStarted(a, "tick");
        Beat b = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        b.start();
        clock.advance(Duration.ofMinutes(1));
        awaitSentExactly(1);
        assertThat(a.isLeader()).isTrue();
        assertThat(b.isLeader()).isFalse();

        a.stop();
        assertThat(a.isLeader()).isFalse();
        await().atMost(WAIT).until(b::isLeader); // the clock did not move: the lock was released, not expired
        clock.advance(Duration.ofMinutes(1));
        awaitSentExactly(2);
        assertThat(sent).extracting(Envelope::idempotencyKey)
                .containsExactly("tick@2026-05-10T12:01:00Z", "tick@2026-05-10T12:02:00Z");
    }

    @Test
    void when_the_leader_dies_the_standby_fires_the_next_slot_exactly_once_after_the_lease_expires() {
        FaultyBroker aView = new FaultyBroker(broker);
        Beat a = startedLeader(aView);
        Beat b = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        b.start();

        aView.mode(FaultyBroker.Mode.PARTITIONED); // a can no longer reach the broker: as good as dead
        clock.set(Instant.parse("2026-05-10T12:04:00Z"));
        awaitSentExactly(0); // the lease (5 min) still holds: nobody may enqueue
        clock.set(Instant.parse("2026-05-10T12:05:30Z"));
        await().atMost(WAIT).until(b::isLeader);
        awaitSentExactly(5); // every slot due since a's last one, each once
        assertThat(sent).extracting(Envelope::idempotencyKey).containsExactly(minuteKeys("12:01", 5));

        aView.mode(FaultyBroker.Mode.HEALTHY); // a comes back: its renewal fails and it stays on standby
        await().atMost(WAIT).until(() -> !a.isLeader());
        clock.set(Instant.parse("2026-05-10T12:06:00Z"));
        awaitSentExactly(6);
        assertThat(sent.get(5).idempotencyKey()).isEqualTo("tick@2026-05-10T12:06:00Z");
        assertThat(b.isLeader()).isTrue();
    }

    @Test
    void a_stale_leader_whose_lock_was_taken_cannot_enqueue() {
        FaultyBroker aView = new FaultyBroker(broker);
        Beat a = startedLeader(aView);
        aView.mode(FaultyBroker.Mode.RENEW_WITHOUT_BROKER); // a believes its renewals work; its lease runs out
        Beat b = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        b.start();
        clock.set(Instant.parse("2026-05-10T12:05:30Z"));
        await().atMost(WAIT).until(b::isLeader);
        clock.set(Instant.parse("2026-05-10T12:06:00Z"));
        awaitSentExactly(6); // 12:01 to 12:05 (b's takeover) and 12:06, each once
        assertThat(sent).extracting(Envelope::idempotencyKey).containsExactly(minuteKeys("12:01", 6));
        await().atMost(WAIT).until(() -> !a.isLeader()); // its fenced write was refused
    }

    @Test
    void a_leader_paused_between_recording_and_enqueueing_past_its_lease_does_not_enqueue() {
        FaultyBroker aView = new FaultyBroker(broker);
        Beat a = startedLeader(aView);
        aView.pauseAfterNextPendingWrite(() -> {
            // a recorded 12:01 and is "paused" before enqueueing it: its lease runs out and b takes the lock
            clock.set(Instant.parse("2026-05-10T12:06:30Z"));
            broker.leaderLock().tryAcquire("beat", "b", TTL).orElseThrow();
        });
        clock.set(Instant.parse("2026-05-10T12:01:00Z"));
        await().atMost(WAIT).until(() -> broker.state().get("beat:last:tick").orElse("").endsWith("pending")
                && !a.isLeader());
        awaitSentExactly(0); // a resumed, re-checked its lease before enqueueing, and found it lost
        Beat b = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        b.start();
        awaitSentExactly(6); // b sends the slot a recorded, then every later slot, each once
        assertThat(sent).extracting(Envelope::idempotencyKey).containsExactly(minuteKeys("12:01", 6));
    }

    @Test
    void the_leader_writes_its_status_for_operators_and_a_new_leader_replaces_it() {
        Beat a = beat("a", broker, everyMinute(MissedRunPolicy.SKIP));
        a.start();
        awaitStarted(a, "tick");
        Beat b = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        b.start();
        clock.advance(Duration.ofMinutes(1));
        awaitSentExactly(1);
        BeatStatus.ScheduleStatus tick = await().atMost(WAIT).ignoreExceptions().until(() -> status().schedules().get(0),
                s -> Instant.parse("2026-05-10T12:01:00Z").equals(s.lastSlot()));
        assertThat(tick).isEqualTo(new BeatStatus.ScheduleStatus("tick", "reports.tick", "every PT1M",
                Instant.parse("2026-05-10T12:01:00Z"), false, List.of(Instant.parse("2026-05-10T12:02:00Z"),
                        Instant.parse("2026-05-10T12:03:00Z"), Instant.parse("2026-05-10T12:04:00Z"))));
        BeatStatus s = status();
        assertThat(s.leader()).as("the standby writes nothing").isEqualTo("a");
        assertThat(s.lockName()).isEqualTo(Beat.DEFAULT_LOCK_NAME);
        assertThat(s.leaseUntil()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plus(TTL));

        a.stop();
        await().atMost(WAIT).ignoreExceptions().until(() -> b.isLeader() && status().leader().equals("b"));
        assertThat(status().schedules()).extracting(BeatStatus.ScheduleStatus::lastSlot)
                .containsExactly(Instant.parse("2026-05-10T12:01:00Z"));
    }

    /** The status the leader wrote; throws while there is none. */
    private BeatStatus status() {
        return BeatStatus.fromJson(broker.state().get(BeatStatus.key(Beat.DEFAULT_LOCK_NAME)).orElse("")).orElseThrow();
    }

    @Test
    void start_and_stop_are_safe_twice_and_a_stopped_beat_cannot_restart() {
        Beat beat = beat("a", broker, everyMinute(MissedRunPolicy.SKIP));
        beat.stop();
        Beat other = beat("b", broker, everyMinute(MissedRunPolicy.SKIP));
        other.start();
        other.start();
        awaitStarted(other, "tick");
        other.stop();
        other.stop();
        other.close();
        assertThat(other.isLeader()).isFalse();
        assertThatThrownBy(other::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
        assertThat(broker.leaderLock().tryAcquire("beat", "c", TTL)).isPresent();
    }

    @Test
    void the_scheduling_thread_is_named() {
        Beat beat = beat("a", broker, everyMinute(MissedRunPolicy.SKIP));
        beat.start();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains("tasks-beat");
    }

    @Test
    void an_unknown_task_fails_at_build_naming_the_schedule_when_a_registry_is_given() {
        TaskRegistry registry = TaskRegistry.builder().declare(OrderTasks.class).declare(AnalyticsTasks.class).build();
        Schedule typo = Schedule.builder("nightly").task("orders.sendOrderConfirmaton", 1L).cron("@daily").build();
        assertThatThrownBy(() -> Beat.builder().tasks(tasks).registry(registry).schedules(typo).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("schedule 'nightly'")
                .hasMessageContaining("unknown task 'orders.sendOrderConfirmaton'");
        Schedule badArgs = Schedule.builder("confirm").task("orders.sendOrderConfirmation", "not-a-number").cron("@daily").build();
        assertThatThrownBy(() -> Beat.builder().tasks(tasks).registry(registry).schedules(badArgs).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("schedule 'confirm': arguments do not fit");
        Schedule good = Schedule.builder("confirm").task("orders.sendOrderConfirmation", 42).cron("@daily").build();
        assertThat(Beat.builder().tasks(tasks).registry(registry).schedules(good).build().schedules()).hasSize(1);
    }

    @Test
    void duplicate_schedule_names_are_refused() {
        assertThatThrownBy(() -> Beat.builder().tasks(tasks).schedules(everyMinute(MissedRunPolicy.SKIP),
                everyMinute(MissedRunPolicy.RUN_ONCE)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("schedule 'tick' is declared twice");
    }

    @Test
    void dry_run_prints_the_next_fire_times_of_every_schedule() {
        clock.set(Instant.parse("2026-03-07T12:00:00Z"));
        Beat beat = beat("a", broker,
                Schedule.builder("nightly").task("reports.nightly").cron("30 2 * * *").zone(ZoneId.of("America/New_York")).build(),
                everyMinute(MissedRunPolicy.SKIP));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        beat.dryRun(3, new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("nightly (reports.nightly, cron '30 2 * * *' in America/New_York")
                .contains("2026-03-08T03:30:00-04:00[America/New_York]  (2026-03-08T07:30:00Z)")
                .contains("2026-03-09T02:30:00-04:00[America/New_York]  (2026-03-09T06:30:00Z)")
                .contains("tick (reports.tick, every PT1M")
                .contains("(2026-03-07T12:03:00Z)");
        assertThat(beat.nextFireTimes(2).get("tick")).hasSize(2);
        assertThat(beat.isLeader()).isFalse(); // a dry run touches no broker
    }
}
