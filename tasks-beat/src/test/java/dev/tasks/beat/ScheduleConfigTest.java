package dev.tasks.beat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.ConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleConfigTest {

    private static List<Schedule> parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ScheduleConfig.parse(p, "beat.properties");
    }

    @Test
    void reads_cron_and_interval_schedules_with_every_attribute(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("beat.properties");
        Files.writeString(f, """
                tasks.broker.url=redis://localhost
                beat.schedule.nightly-report.cron=30 2 * * *
                beat.schedule.nightly-report.task=reports.nightly
                beat.schedule.nightly-report.args=["pdf", 7, {"x": true}]
                beat.schedule.nightly-report.zone=America/New_York
                beat.schedule.nightly-report.queue=reports
                beat.schedule.nightly-report.priority=7
                beat.schedule.nightly-report.expires=1h
                beat.schedule.nightly-report.missed=run_once
                beat.schedule.carts.sweep.interval=5m
                beat.schedule.carts.sweep.task=carts.sweep
                """);
        List<Schedule> all = ScheduleConfig.load(f);
        assertThat(all).extracting(Schedule::name).containsExactly("carts.sweep", "nightly-report");
        Schedule nightly = all.get(1);
        assertThat(nightly.taskName()).isEqualTo("reports.nightly");
        assertThat(nightly.signature().args()).hasSize(3).startsWith("pdf", 7);
        assertThat(nightly.zone()).isEqualTo(ZoneId.of("America/New_York"));
        assertThat(nightly.options().queue()).contains("reports");
        assertThat(nightly.options().priority()).contains(7);
        assertThat(nightly.options().expiresIn()).contains(Duration.ofHours(1));
        assertThat(nightly.missedRunPolicy()).isEqualTo(MissedRunPolicy.RUN_ONCE);
        assertThat(nightly.nextAfter(Instant.parse("2026-03-08T00:00:00Z"))).contains(Instant.parse("2026-03-08T07:30:00Z"));
        Schedule sweep = all.get(0);
        assertThat(sweep.interval()).contains(Duration.ofMinutes(5));
        assertThat(sweep.missedRunPolicy()).isEqualTo(MissedRunPolicy.SKIP);
        assertThat(sweep.zone()).isEqualTo(Schedule.DEFAULT_ZONE);
    }

    @Test
    void a_bad_cron_expression_names_the_schedule_entry() {
        assertThatThrownBy(() -> parse("beat.schedule.nightly.cron=0 25 * * *\nbeat.schedule.nightly.task=r.n\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("schedule 'nightly' (beat.schedule.nightly.* in beat.properties): invalid cron"
                        + " expression '0 25 * * *'");
    }

    @Test
    void a_bad_zone_names_the_schedule_entry() {
        assertThatThrownBy(() -> parse("beat.schedule.nightly.cron=@daily\nbeat.schedule.nightly.task=r.n\n"
                + "beat.schedule.nightly.zone=Mars/Olympus\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("schedule 'nightly'")
                .hasMessageContaining("unknown time zone 'Mars/Olympus' in beat.schedule.nightly.zone");
    }

    @Test
    void missing_or_conflicting_attributes_are_reported_per_entry() {
        assertThatThrownBy(() -> parse("beat.schedule.a.cron=@daily\n"))
                .hasMessageContaining("schedule 'a'").hasMessageContaining("missing beat.schedule.a.task");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\n"))
                .hasMessageContaining("set exactly one of beat.schedule.a.cron and beat.schedule.a.interval");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.cron=@daily\nbeat.schedule.a.interval=5m\n"))
                .hasMessageContaining("set exactly one of");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.interval=soon\n"))
                .hasMessageContaining("schedule 'a'").hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.interval=500ms\n"))
                .hasMessageContaining("schedule 'a'").hasMessageContaining("whole number of seconds");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.cron=@daily\nbeat.schedule.a.args={}\n"))
                .hasMessageContaining("beat.schedule.a.args must be a JSON array");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.cron=@daily\nbeat.schedule.a.args=[1,\n"))
                .hasMessageContaining("beat.schedule.a.args is not valid JSON");
        assertThatThrownBy(() -> parse("beat.schedule.a.task=x.y\nbeat.schedule.a.cron=@daily\nbeat.schedule.a.missed=sometimes\n"))
                .hasMessageContaining("missed must be skip or run_once");
        assertThatThrownBy(() -> parse("beat.schedule.a.tsak=x.y\n"))
                .hasMessageContaining("schedule entry 'beat.schedule.a.tsak'");
        assertThatThrownBy(() -> parse("beat.schedule.a@b.task=x.y\nbeat.schedule.a@b.cron=@daily\n"))
                .hasMessageContaining("schedule name 'a@b' is not valid");
    }

    @Test
    void builder_refuses_a_schedule_without_task_or_timing() {
        assertThatThrownBy(() -> Schedule.builder("a").cron("@daily").build())
                .isInstanceOf(ConfigurationException.class).hasMessage("schedule 'a': no task given; call task(..)");
        assertThatThrownBy(() -> Schedule.builder("a").task("x.y").build())
                .hasMessage("schedule 'a': no timing given; call cron(..) or every(..)");
        assertThatThrownBy(() -> Schedule.builder("a@b")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Schedule.builder("a").task("x").cron("0 2 * *").build())
                .hasMessageStartingWith("schedule 'a': cron expression '0 2 * *' has 4 fields");
    }
}
