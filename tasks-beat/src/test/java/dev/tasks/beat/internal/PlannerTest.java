package dev.tasks.beat.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.beat.MissedRunPolicy;
import dev.tasks.beat.internal.Planner.Action;
import dev.tasks.beat.internal.Planner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final Duration GRACE = Duration.ofMinutes(1);
    private static final Trigger DAILY_2AM = CronTrigger.parse("0 2 * * *", ZoneOffset.UTC);
    private static final Trigger EVERY_5_MIN = new IntervalTrigger(Duration.ofMinutes(5));

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void a_schedule_never_handled_starts_from_now_without_firing_past_slots() {
        Plan p = Planner.plan(DAILY_2AM, MissedRunPolicy.RUN_ONCE, null, t("2026-05-10T12:00:00Z"), GRACE);
        assertThat(p.action()).isEqualTo(Action.START);
        assertThat(p.slot()).isEqualTo(t("2026-05-10T12:00:00Z"));
        assertThat(p.nextSlot()).isEqualTo(t("2026-05-11T02:00:00Z"));
    }

    @Test
    void waits_until_the_next_slot() {
        Plan p = Planner.plan(DAILY_2AM, MissedRunPolicy.SKIP, t("2026-05-10T02:00:00Z"), t("2026-05-10T12:00:00Z"), GRACE);
        assertThat(p.action()).isEqualTo(Action.WAIT);
        assertThat(p.nextSlot()).isEqualTo(t("2026-05-11T02:00:00Z"));
    }

    @Test
    void fires_a_due_slot_at_its_time_and_when_late_within_the_grace_period() {
        for (String now : new String[] {"2026-05-11T02:00:00Z", "2026-05-11T02:00:59Z", "2026-05-11T02:01:00Z"}) {
            Plan p = Planner.plan(DAILY_2AM, MissedRunPolicy.SKIP, t("2026-05-10T02:00:00Z"), t(now), GRACE);
            assertThat(p.action()).as(now).isEqualTo(Action.FIRE);
            assertThat(p.slot()).isEqualTo(t("2026-05-11T02:00:00Z"));
            assertThat(p.late()).isFalse();
            assertThat(p.nextSlot()).isEqualTo(t("2026-05-12T02:00:00Z"));
        }
    }

    @Test
    void skip_policy_drops_slots_missed_during_downtime() {
        Plan p = Planner.plan(DAILY_2AM, MissedRunPolicy.SKIP, t("2026-05-01T02:00:00Z"), t("2026-05-10T12:00:00Z"), GRACE);
        assertThat(p.action()).isEqualTo(Action.SKIP);
        assertThat(p.slot()).isEqualTo(t("2026-05-10T02:00:00Z"));
        assertThat(p.firstDue()).isEqualTo(t("2026-05-02T02:00:00Z"));
        assertThat(p.nextSlot()).isEqualTo(t("2026-05-11T02:00:00Z"));
        Plan after = Planner.plan(DAILY_2AM, MissedRunPolicy.SKIP, p.slot(), t("2026-05-10T12:00:01Z"), GRACE);
        assertThat(after.action()).isEqualTo(Action.WAIT);
    }

    @Test
    void run_once_policy_fires_the_latest_missed_slot_once_and_never_a_burst() {
        Instant now = t("2026-05-10T12:00:00Z");
        Plan p = Planner.plan(DAILY_2AM, MissedRunPolicy.RUN_ONCE, t("2026-05-01T02:00:00Z"), now, GRACE);
        assertThat(p.action()).isEqualTo(Action.FIRE);
        assertThat(p.late()).isTrue();
        assertThat(p.slot()).isEqualTo(t("2026-05-10T02:00:00Z"));
        assertThat(p.skipsEarlierSlots()).isTrue();
        Plan next = Planner.plan(DAILY_2AM, MissedRunPolicy.RUN_ONCE, p.slot(), now, GRACE);
        assertThat(next.action()).isEqualTo(Action.WAIT);
        assertThat(next.nextSlot()).isEqualTo(t("2026-05-11T02:00:00Z"));
    }

    @Test
    void several_slots_due_within_the_grace_period_fire_only_the_latest() {
        Plan p = Planner.plan(new IntervalTrigger(Duration.ofSeconds(1)), MissedRunPolicy.SKIP,
                t("2026-05-10T12:00:00Z"), t("2026-05-10T12:00:03.500Z"), GRACE);
        assertThat(p.action()).isEqualTo(Action.FIRE);
        assertThat(p.slot()).isEqualTo(t("2026-05-10T12:00:03Z"));
        assertThat(p.firstDue()).isEqualTo(t("2026-05-10T12:00:01Z"));
        assertThat(p.nextSlot()).isEqualTo(t("2026-05-10T12:00:04Z"));
    }

    @Test
    void interval_slots_are_aligned_to_the_epoch() {
        assertThat(EVERY_5_MIN.nextAfter(t("2026-05-10T12:03:17Z"))).contains(t("2026-05-10T12:05:00Z"));
        assertThat(EVERY_5_MIN.nextAfter(t("2026-05-10T12:05:00Z"))).contains(t("2026-05-10T12:10:00Z"));
        assertThat(new IntervalTrigger(Duration.ofSeconds(7)).nextAfter(t("1970-01-01T00:00:00.5Z")))
                .contains(t("1970-01-01T00:00:07Z"));
    }

    @Test
    void finding_the_latest_slot_after_a_long_downtime_is_cheap() {
        int[] calls = {0};
        Trigger perSecond = i -> {
            calls[0]++;
            return new IntervalTrigger(Duration.ofSeconds(1)).nextAfter(i);
        };
        Plan p = Planner.plan(perSecond, MissedRunPolicy.RUN_ONCE, t("2025-05-10T00:00:00Z"), t("2026-05-10T00:00:00.5Z"),
                GRACE);
        assertThat(p.slot()).isEqualTo(t("2026-05-10T00:00:00Z"));
        assertThat(calls[0]).isLessThan(100);
    }

    @Test
    void a_pending_slot_is_resent_within_the_grace_period_or_under_run_once() {
        Instant slot = t("2026-05-10T02:00:00Z");
        assertThat(Planner.resendPending(MissedRunPolicy.SKIP, slot, slot.plusSeconds(30), GRACE)).isTrue();
        assertThat(Planner.resendPending(MissedRunPolicy.SKIP, slot, slot.plusSeconds(3600), GRACE)).isFalse();
        assertThat(Planner.resendPending(MissedRunPolicy.RUN_ONCE, slot, slot.plusSeconds(3600), GRACE)).isTrue();
    }

    @Test
    void dst_gap_day_fires_once_when_driven_through_the_planner() {
        Trigger t = CronTrigger.parse("30 2 * * *", java.time.ZoneId.of("America/New_York"));
        Instant last = t("2026-03-07T07:30:00Z");
        int fires = 0;
        for (Instant now = t("2026-03-07T08:00:00Z"); now.isBefore(t("2026-03-09T05:00:00Z")); now = now.plusSeconds(60)) {
            Plan p = Planner.plan(t, MissedRunPolicy.SKIP, last, now, GRACE);
            if (p.action() == Action.FIRE) {
                fires++;
                assertThat(p.slot()).isEqualTo(t("2026-03-08T07:30:00Z"));
                last = p.slot();
            }
        }
        assertThat(fires).isEqualTo(1);
    }
}
