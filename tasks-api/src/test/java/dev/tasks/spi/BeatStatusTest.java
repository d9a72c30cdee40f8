package dev.tasks.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stored form of {@link BeatStatus}: what the beat writes, the dashboard reads back. */
class BeatStatusTest {
    private static final Instant T = Instant.parse("2026-12-07T10:00:00.123Z");

    private static BeatStatus status() {
        return new BeatStatus("beat", "host/42/abc", 7, T, T.plusSeconds(30), List.of(
                new BeatStatus.ScheduleStatus("nightly", "reports.nightly", "cron 0 2 * * * (Europe/Paris)", null, false,
                        List.of(T.plusSeconds(3600), T.plusSeconds(7200))),
                new BeatStatus.ScheduleStatus("tick", "reports.tick", "every PT1M", T.minusSeconds(60), true, List.of())));
    }

    @Test
    void reads_back_what_it_wrote_and_the_stored_form_names_no_classes() {
        String json = status().toJson();
        assertThat(BeatStatus.fromJson(json)).contains(status());
        assertThat(json).doesNotContain("dev.tasks", "@class", "BeatStatus");
        assertThat(BeatStatus.key("beat")).isEqualTo("beat:status:beat");
    }

    @Test
    void ignores_unknown_fields_and_refuses_what_is_not_a_status() {
        String json = status().toJson().replace("{\"v\":1,", "{\"v\":1,\"later\":{\"x\":[1]},");
        assertThat(BeatStatus.fromJson(json)).contains(status());
        assertThat(BeatStatus.fromJson("2026-12-07T10:00:00Z pending")).isEmpty();
        assertThat(BeatStatus.fromJson("{\"leader\":\"a\"}")).isEmpty();
        assertThat(BeatStatus.fromJson("[]")).isEmpty();
    }

    @Test
    void is_stale_once_the_lease_ran_out() {
        assertThat(status().isStale(T.plusSeconds(29))).isFalse();
        assertThat(status().isStale(T.plusSeconds(30).plusMillis(123))).isTrue();
    }
}
