package dev.tasks.examples.shop;

import dev.tasks.Tasks;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/** The shop's periodic tasks, found by {@code beat} through {@code META-INF/services}. */
public final class ShopSchedules implements ScheduleProvider {

    @Override
    public List<Schedule> schedules(Tasks tasks) {
        return List.of(
                Schedule.builder("nightly-report")
                        .task(tasks.signature(AnalyticsTasks.class, AnalyticsTasks::yesterdaysReport))
                        .cron("0 2 * * *")
                        .zone(ZoneId.of("Europe/Paris"))
                        .queue("analytics_low_priority")
                        .build(),
                Schedule.builder("cleanup")
                        .task(tasks.signature(AnalyticsTasks.class, AnalyticsTasks::cleanup))
                        .every(Duration.ofMinutes(5))
                        .queue("analytics_low_priority")
                        .build());
    }
}
