package dev.tasks.beat.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.beat.MissedRunPolicy;
import dev.tasks.beat.internal.Planner.Action;
import dev.tasks.beat.internal.Planner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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

    /** Carries out plans at one instant until nothing is due, as the beat does; returns the slots fired. */
    private static List<Instant> drive(Trigger trigger, MissedRunPolicy policy, Instant last, Instant now,
            List<Plan> plans) {
        List<Instant> fired = new ArrayList<>();
        while (true) {
            Plan p = Planner.plan(trigger, policy, last, now, GRACE);
            plans.add(p);
            if (p.action() == Action.WAIT) {
                return fired;
            }
            if (p.action() == Action.FIRE) {
                fired.add(p.slot());
            }
            last = p.slot();
        }
    }

    @Test
    void several_slots_due_within_the_grace_period_each_fire_once_in_order() {
        List<Plan> plans = new ArrayList<>();
        List<Instant> fired = drive(new IntervalTrigger(Duration.ofSeconds(1)), MissedRunPolicy.SKIP,
                t("2026-05-10T12:00:00Z"), t("2026-05-10T12:00:03.500Z"), plans);
        assertThat(fired).containsExactly(t("2026-05-10T12:00:01Z"), t("2026-05-10T12:00:02Z"), t("2026-05-10T12:00:03Z"));
        assertThat(plans.get(0).late()).isFalse();
        assertThat(plans.get(0).skipsEarlierSlots()).isFalse();
        assertThat(plans.get(0).nextSlot()).isEqualTo(t("2026-05-10T12:00:02Z"));
        assertThat(plans.get(3).nextSlot()).isEqualTo(t("2026-05-10T12:00:04Z"));
    }

    @Test
    void a_slot_exactly_as_old_as_the_grace_period_fires_and_an_older_one_is_missed() {
        Trigger perMinute = new IntervalTrigger(Duration.ofMinutes(1));
        Plan atLimit = Planner.plan(perMinute, MissedRunPolicy.SKIP, t("2026-05-10T12:00:00Z"), t("2026-05-10T12:02:00Z"), GRACE);
        assertThat(atLimit.action()).isEqualTo(Action.FIRE);
        assertThat(atLimit.slot()).isEqualTo(t("2026-05-10T12:01:00Z"));
        Plan beyond = Planner.plan(perMinute, MissedRunPolicy.SKIP, t("2026-05-10T12:00:00Z"), t("2026-05-10T12:02:00.001Z"),
                GRACE);
        assertThat(beyond.action()).isEqualTo(Action.SKIP);
        assertThat(beyond.slot()).isEqualTo(t("2026-05-10T12:01:00Z"));
    }

    @Test
    void after_downtime_missed_slots_follow_the_policy_and_the_slots_within_the_grace_period_all_fire() {
        Trigger every20s = new IntervalTrigger(Duration.ofSeconds(20));
        Instant last = t("2026-05-10T12:00:00Z");
        Instant now = t("2026-05-10T12:05:10Z"); // missed: 12:00:20 to 12:04:00; within the grace: 12:04:20 to 12:05:00
        List<Plan> skipPlans = new ArrayList<>();
        assertThat(drive(every20s, MissedRunPolicy.SKIP, last, now, skipPlans))
                .containsExactly(t("2026-05-10T12:04:20Z"), t("2026-05-10T12:04:40Z"), t("2026-05-10T12:05:00Z"));
        assertThat(skipPlans.get(0).action()).isEqualTo(Action.SKIP);
        assertThat(skipPlans.get(0).firstDue()).isEqualTo(t("2026-05-10T12:00:20Z"));
        assertThat(skipPlans.get(0).slot()).isEqualTo(t("2026-05-10T12:04:00Z"));
        List<Plan> runOncePlans = new ArrayList<>();
        assertThat(drive(every20s, MissedRunPolicy.RUN_ONCE, last, now, runOncePlans)).containsExactly(
                t("2026-05-10T12:04:00Z"), t("2026-05-10T12:04:20Z"), t("2026-05-10T12:04:40Z"), t("2026-05-10T12:05:00Z"));
        assertThat(runOncePlans.get(0).late()).isTrue();
        assertThat(runOncePlans.get(0).skipsEarlierSlots()).isTrue();
        assertThat(runOncePlans.get(1).late()).isFalse();
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
        assertThat(p.slot()).isEqualTo(t("2026-05-09T23:59:00Z")); // the latest slot older than the grace period
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
