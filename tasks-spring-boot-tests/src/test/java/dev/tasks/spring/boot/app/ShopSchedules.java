package dev.tasks.spring.boot.app;

import dev.tasks.Tasks;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;

/** The shop's schedules, a bean the embedded beat finds (only with tasks.beat.enabled=true). */
@Component
public class ShopSchedules implements ScheduleProvider {
    /** The order the schedule confirms every second. */
    public static final long SCHEDULED_ORDER = 7_000;

    @Override
    public List<Schedule> schedules(Tasks tasks) {
        return List.of(Schedule.builder("confirm-every-second")
                .task(tasks.signature(OrderTasks.class, t -> t.confirm(SCHEDULED_ORDER)))
                .every(Duration.ofSeconds(1)).build());
    }
}
