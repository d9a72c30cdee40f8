package dev.tasks.examples.docs;

import dev.tasks.EnqueueOptions;
import dev.tasks.Tasks;
import dev.tasks.beat.Beat;
import dev.tasks.beat.MissedRunPolicy;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import dev.tasks.examples.shop.AnalyticsTasks;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

/**
 * The periodic tasks of the guide's samples. The {@code beat} command finds this class with
 * {@code --app dev.tasks.examples.docs.InvoiceSchedules}, or through
 * {@code META-INF/services/dev.tasks.beat.ScheduleProvider}.
 */
public final class InvoiceSchedules implements ScheduleProvider {

    @Override
    public List<Schedule> schedules(Tasks tasks) {
        Schedule nightlyReport = Schedule.builder("nightly-report")
                .task(tasks.signature(AnalyticsTasks.class, t -> t.nightlyReport(LocalDate.of(2026, 1, 1))))
                .cron("30 2 * * *")
                .zone(ZoneId.of("Europe/Paris"))
                .queue("analytics_low_priority")
                .missed(MissedRunPolicy.RUN_ONCE)
                .build();
        Schedule cleanup = Schedule.builder("analytics-cleanup")
                .task("analytics.cleanup")
                .every(Duration.ofMinutes(15))
                .queue("analytics_low_priority")
                .options(EnqueueOptions.defaults().expires(Duration.ofMinutes(15)))
                .build();
        Schedule reminders = Schedule.builder("payment-reminders")
                .task("invoices.send", 0L, "billing@example.com")
                .cron("0 9 * * MON-FRI")
                .zone(ZoneId.of("America/New_York"))
                .queue("invoices")
                .build();
        return List.of(nightlyReport, cleanup, reminders);
    }

    /** A beat run by the application itself instead of the {@code beat} command. */
    static Beat startBeat(Tasks tasks) {
        Beat beat = Beat.builder()
                .tasks(tasks)
                .schedules(new InvoiceSchedules().schedules(tasks))
                .lockTtl(Duration.ofSeconds(30))
                .build();
        beat.start();
        return beat;
    }
}
