package dev.tasks.examples.docs.boot;

import dev.tasks.Tasks;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import java.util.List;
import org.springframework.stereotype.Component;

/** The schedules of the Spring Boot sample, a bean the embedded beat finds. */
@Component
public class ShopSchedules implements ScheduleProvider {
    @Override
    public List<Schedule> schedules(Tasks tasks) {
        return List.of(Schedule.builder("nightly-report")
                .task(tasks.signature(OrderMails.class, t -> t.sendConfirmation(0)))
                .cron("0 2 * * *").build());
    }
}
