package dev.tasks.beat.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronTriggerTest {
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId UTC = ZoneOffset.UTC;

    private static List<Instant> firesBetween(Trigger t, Instant from, Instant to) {
        List<Instant> out = new ArrayList<>();
        Instant cursor = from;
        while (true) {
            Instant next = t.nextAfter(cursor).orElseThrow();
            if (!next.isBefore(to)) {
                return out;
            }
            out.add(next);
            cursor = next;
        }
    }

    private static Instant utc(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void five_field_expression_fires_at_minute_and_hour_in_utc() {
        CronTrigger t = CronTrigger.parse("0 2 * * *", UTC);
        assertThat(t.nextAfter(utc("2026-05-10T01:00:00Z"))).contains(utc("2026-05-10T02:00:00Z"));
        assertThat(t.nextAfter(utc("2026-05-10T02:00:00Z"))).contains(utc("2026-05-11T02:00:00Z"));
    }

    @Test
    void six_field_expression_has_seconds_first() {
        CronTrigger t = CronTrigger.parse("*/15 * * * * *", UTC);
        assertThat(firesBetween(t, utc("2026-05-10T00:00:00Z"), utc("2026-05-10T00:01:00Z")))
                .containsExactly(utc("2026-05-10T00:00:15Z"), utc("2026-05-10T00:00:30Z"), utc("2026-05-10T00:00:45Z"));
    }

    @Test
    void day_of_week_follows_unix_numbering_with_sunday_as_zero_and_seven() {
        // 2026-05-10 is a Sunday.
        assertThat(CronTrigger.parse("0 9 * * 0", UTC).nextAfter(utc("2026-05-08T00:00:00Z")))
                .contains(utc("2026-05-10T09:00:00Z"));
        assertThat(CronTrigger.parse("0 9 * * 7", UTC).nextAfter(utc("2026-05-08T00:00:00Z")))
                .contains(utc("2026-05-10T09:00:00Z"));
        assertThat(CronTrigger.parse("0 9 * * MON-FRI", UTC).nextAfter(utc("2026-05-09T00:00:00Z")))
                .contains(utc("2026-05-11T09:00:00Z"));
    }

    @Test
    void macros_expand_to_their_crontab_equivalents() {
        Instant from = utc("2026-05-10T10:20:30Z");
        assertThat(CronTrigger.parse("@hourly", UTC).nextAfter(from)).contains(utc("2026-05-10T11:00:00Z"));
        assertThat(CronTrigger.parse("@daily", UTC).nextAfter(from)).contains(utc("2026-05-11T00:00:00Z"));
        assertThat(CronTrigger.parse("@midnight", UTC).nextAfter(from)).contains(utc("2026-05-11T00:00:00Z"));
        assertThat(CronTrigger.parse("@weekly", UTC).nextAfter(from)).contains(utc("2026-05-17T00:00:00Z"));
        assertThat(CronTrigger.parse("@monthly", UTC).nextAfter(from)).contains(utc("2026-06-01T00:00:00Z"));
        assertThat(CronTrigger.parse("@yearly", UTC).nextAfter(from)).contains(utc("2027-01-01T00:00:00Z"));
        assertThat(CronTrigger.parse("@ANNUALLY", UTC).nextAfter(from)).contains(utc("2027-01-01T00:00:00Z"));
    }

    @Test
    void cron_is_read_in_the_schedules_zone() {
        CronTrigger t = CronTrigger.parse("0 2 * * *", ZoneId.of("Europe/Paris"));
        assertThat(t.nextAfter(utc("2026-07-01T00:00:00Z"))).contains(utc("2026-07-02T00:00:00Z"));
        assertThat(t.nextAfter(utc("2026-01-10T00:00:00Z"))).contains(utc("2026-01-10T01:00:00Z"));
    }

    @Test
    void daily_slot_inside_the_spring_forward_gap_fires_once_shifted_by_the_gap() {
        // 2026-03-08: New York skips 02:00-03:00 local.
        CronTrigger t = CronTrigger.parse("30 2 * * *", NEW_YORK);
        List<Instant> fires = firesBetween(t, utc("2026-03-07T12:00:00Z"), utc("2026-03-09T12:00:00Z"));
        assertThat(fires).containsExactly(
                ZonedDateTime.of(2026, 3, 8, 3, 30, 0, 0, NEW_YORK).toInstant(),
                ZonedDateTime.of(2026, 3, 9, 2, 30, 0, 0, NEW_YORK).toInstant());
        assertThat(fires.get(0)).isEqualTo(utc("2026-03-08T07:30:00Z"));
    }

    @Test
    void slots_shifted_onto_an_existing_time_by_the_gap_fire_once() {
        CronTrigger t = CronTrigger.parse("30 * * * *", NEW_YORK);
        List<Instant> fires = firesBetween(t, utc("2026-03-08T05:00:00Z"), utc("2026-03-08T09:00:00Z"));
        // 00:30 EST, 01:30 EST, (02:30 does not exist -> 03:30 EDT), 03:30 EDT, 04:30 EDT
        assertThat(fires).containsExactly(utc("2026-03-08T05:30:00Z"), utc("2026-03-08T06:30:00Z"),
                utc("2026-03-08T07:30:00Z"), utc("2026-03-08T08:30:00Z"));
    }

    @Test
    void daily_slot_in_the_repeated_fall_back_hour_fires_once_at_its_first_occurrence() {
        // 2026-11-01: New York repeats 01:00-02:00 local.
        CronTrigger t = CronTrigger.parse("30 1 * * *", NEW_YORK);
        List<Instant> fires = firesBetween(t, utc("2026-10-31T12:00:00Z"), utc("2026-11-02T12:00:00Z"));
        assertThat(fires).containsExactly(utc("2026-11-01T05:30:00Z"), utc("2026-11-02T06:30:00Z"));
    }

    @Test
    void hourly_schedule_runs_in_both_passes_of_the_repeated_hour() {
        CronTrigger t = CronTrigger.parse("0 * * * *", NEW_YORK);
        List<Instant> fires = firesBetween(t, utc("2026-11-01T03:30:00Z"), utc("2026-11-01T08:30:00Z"));
        // 00:00 EDT, 01:00 EDT, 01:00 EST, 02:00 EST, 03:00 EST: one every hour of elapsed time
        assertThat(fires).containsExactly(utc("2026-11-01T04:00:00Z"), utc("2026-11-01T05:00:00Z"),
                utc("2026-11-01T06:00:00Z"), utc("2026-11-01T07:00:00Z"), utc("2026-11-01T08:00:00Z"));
    }

    @Test
    void every_day_of_a_dst_year_fires_exactly_once_for_a_daily_schedule() {
        for (String cron : List.of("30 2 * * *", "30 1 * * *", "0 0 * * *")) {
            CronTrigger t = CronTrigger.parse(cron, NEW_YORK);
            List<Instant> fires = firesBetween(t, utc("2026-01-01T12:00:00Z"), utc("2027-01-01T12:00:00Z"));
            assertThat(fires).as(cron).hasSize(365);
            assertThat(fires.stream().map(i -> LocalDate.ofInstant(i, NEW_YORK)).distinct()).as(cron).hasSize(365);
        }
    }

    @Test
    void rejects_wrong_field_counts_out_of_range_values_and_unknown_macros() {
        assertThatThrownBy(() -> CronTrigger.parse("0 2 * *", UTC)).hasMessageContaining("has 4 fields");
        assertThatThrownBy(() -> CronTrigger.parse("0 0 2 * * * *", UTC)).hasMessageContaining("has 7 fields");
        assertThatThrownBy(() -> CronTrigger.parse("0 25 * * *", UTC)).hasMessageContaining("invalid cron expression '0 25 * * *'");
        assertThatThrownBy(() -> CronTrigger.parse("61 * * * *", UTC)).hasMessageContaining("invalid cron expression");
        assertThatThrownBy(() -> CronTrigger.parse("x * * * *", UTC)).hasMessageContaining("invalid cron expression");
        assertThatThrownBy(() -> CronTrigger.parse("@sometimes", UTC)).hasMessageContaining("unknown cron macro '@sometimes'");
        assertThatThrownBy(() -> CronTrigger.parse("  ", UTC)).hasMessageContaining("empty");
    }

    @Test
    void a_local_date_time_never_matched_again_yields_no_slot() {
        // February 30th never exists.
        assertThat(CronTrigger.parse("0 0 30 2 *", UTC).nextAfter(LocalDateTime.of(2026, 1, 1, 0, 0)
                .toInstant(ZoneOffset.UTC))).isEmpty();
    }
}
