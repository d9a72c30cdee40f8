package dev.tasks.beat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.tck.SettableClock;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import dev.tasks.Tasks;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeatCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final SettableClock clock = new SettableClock(java.time.Instant.parse("2026-03-07T12:00:00Z"));

    /** A provider for --app. */
    public static final class AppSchedules implements ScheduleProvider {
        @Override
        public List<Schedule> schedules(Tasks tasks) {
            return List.of(Schedule.builder("app-hourly").task("app.ping").cron("@hourly").build());
        }
    }

    private int run(Map<String, String> env, String... args) {
        BeatCommand cmd = new BeatCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, clock);
        return BeatCommand.commandLine(cmd).execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dry_run_prints_the_next_fire_times_of_file_and_app_schedules(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("beat.properties");
        Files.writeString(f, "beat.schedule.nightly.cron=30 2 * * *\nbeat.schedule.nightly.task=reports.nightly\n"
                + "beat.schedule.nightly.zone=America/New_York\n");
        int code = run(Map.of(), "--schedule-file", f.toString(), "--app", AppSchedules.class.getName(), "--dry-run",
                "-n", "2");
        assertThat(code).as(err()).isZero();
        assertThat(out()).contains("nightly (reports.nightly, cron '30 2 * * *' in America/New_York")
                .contains("2026-03-08T03:30:00-04:00[America/New_York]  (2026-03-08T07:30:00Z)")
                .contains("app-hourly (app.ping, cron '@hourly' in Z")
                .contains("2026-03-07T13:00:00Z");
        assertThat(err()).isEmpty();
    }

    @Test
    void bad_input_prints_one_line_and_exits_non_zero_without_a_stack_trace(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("beat.properties");
        Files.writeString(f, "beat.schedule.nightly.cron=0 25 * * *\nbeat.schedule.nightly.task=reports.nightly\n");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"--schedule-file", f.toString(), "--dry-run"});
        cases.add(new String[] {"--schedule-file", dir.resolve("missing.properties").toString(), "--dry-run"});
        cases.add(new String[] {"--app", "com.example.Missing", "--dry-run"});
        cases.add(new String[] {"--app", String.class.getName(), "--dry-run"});
        cases.add(new String[] {"--dry-run"});
        cases.add(new String[] {"--lock-ttl", "forever", "--app", AppSchedules.class.getName()});
        cases.add(new String[] {"--broker", "nosuch://x", "--app", AppSchedules.class.getName()});
        cases.add(new String[] {"--no-such-flag"});
        cases.add(new String[] {"--metrics-port", "70000", "--app", AppSchedules.class.getName()});
        for (String[] args : cases) {
            out.reset();
            err.reset();
            int code = run(Map.of(), args);
            assertThat(code).as(String.join(" ", args)).isNotZero();
            assertThat(err().lines().toList()).as(String.join(" ", args)).hasSize(1);
            assertThat(err()).startsWith("beat: ").doesNotContain("\tat ").doesNotContain("Exception");
        }
        out.reset();
        err.reset();
        run(Map.of(), "--schedule-file", f.toString(), "--dry-run");
        assertThat(err()).contains("schedule 'nightly'").contains("invalid cron expression '0 25 * * *'");
        out.reset();
        err.reset();
        assertThat(run(Map.of(), "--metrics-port", "-1", "--app", AppSchedules.class.getName()))
                .isEqualTo(BeatCommand.EXIT_CONFIG);
        assertThat(err()).isEqualTo("beat: --metrics-port must be between 0 and 65535, was -1" + System.lineSeparator());
    }

    @Test
    void runs_until_sigterm_then_stops_warmly_with_status_zero(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("beat.properties");
        Files.writeString(f, "beat.schedule.tick.interval=1s\nbeat.schedule.tick.task=app.tick\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), BeatMain.class.getName(),
                "--broker", "memory://sigterm", "--schedule-file", f.toString())
                .redirectErrorStream(true).start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (IOException ignored) {
                // the process ended
            }
        }, "beat-test-output");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.startsWith("beat: running 1 schedule")));
            p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(5000);
            assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
            assertThat(lines).as("exit %d", p.exitValue()).contains("beat: stopped");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void help_lists_config_and_the_exit_codes() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("--config=FILE").contains("Exit codes:")
                .contains("  1  runtime error").contains("  2  usage or configuration error");
    }

    @Test
    void config_names_the_properties_file_the_broker_url_is_read_from(@TempDir Path dir) throws IOException {
        Path schedules = dir.resolve("beat.properties");
        Files.writeString(schedules, "beat.schedule.s.interval=1h\nbeat.schedule.s.task=a.b\n");
        Path config = dir.resolve("other.properties");
        Files.writeString(config, "tasks.broker.url=nosuchscheme://somewhere\n");
        int code = run(Map.of(), "--config", config.toString(), "--schedule-file", schedules.toString());
        assertThat(code).as(err()).isEqualTo(BeatCommand.EXIT_CONFIG);
        assertThat(err()).contains("nosuchscheme").hasLineCount(1);
    }
}
