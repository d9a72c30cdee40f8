package dev.tasks.beat;

import dev.tasks.Tasks;
import java.util.List;

/**
 * Supplies schedules declared in an application's code to the {@code beat} command: named with
 * {@code --app com.example.ShopSchedules}, or registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/dev.tasks.beat.ScheduleProvider}. Implementations need a public no-argument
 * constructor.
 *
 * <pre>{@code
 * public final class ShopSchedules implements ScheduleProvider {
 *     public List<Schedule> schedules(Tasks tasks) {
 *         return List.of(Schedule.builder("nightly-report")
 *                 .task(tasks.signature(ReportTasks.class, t -> t.nightly("pdf")))
 *                 .cron("0 2 * * *").zone(ZoneId.of("Europe/Paris")).build());
 *     }
 * }
 * }</pre>
 */
public interface ScheduleProvider {

    /**
     * The schedules.
     *
     * @param tasks the client the beat enqueues with, for type-safe signatures
     *     ({@link Tasks#signature(Class, java.util.function.Consumer)})
     */
    List<Schedule> schedules(Tasks tasks);
}
