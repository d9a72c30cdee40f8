package dev.tasks.spring.boot;

import dev.tasks.Tasks;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.beat.ScheduleProvider;
import dev.tasks.spi.support.LogSafe;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A {@link Beat} inside the application ({@code tasks.beat.enabled=true}): its schedules are the application's
 * {@link Schedule} beans and those of its {@link ScheduleProvider} beans. Several instances of the application
 * may each run one: the beat's leader lock lets one of them enqueue. Started once every singleton exists;
 * stopped (releasing the lock at once, so another instance takes over) when the context closes, in
 * {@link EmbeddedWorker#PHASE}.
 */
public final class EmbeddedBeat implements SmartLifecycle {
    private static final Logger log = LogSafe.logger(EmbeddedBeat.class);

    private final Tasks tasks;
    private final ListableBeanFactory beans;
    private final Clock clock;
    private volatile Beat beat;

    EmbeddedBeat(Tasks tasks, ListableBeanFactory beans, Clock clock) {
        this.tasks = tasks;
        this.beans = beans;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (beat != null) {
            return;
        }
        List<Schedule> schedules = new ArrayList<>(beans.getBeansOfType(Schedule.class).values());
        for (ScheduleProvider p : beans.getBeansOfType(ScheduleProvider.class).values()) {
            schedules.addAll(p.schedules(tasks));
        }
        Beat b = Beat.builder().tasks(tasks).schedules(schedules).clock(clock).build();
        b.start();
        beat = b;
        log.info("tasks: embedded beat started with {} schedule(s)", schedules.size());
    }

    @Override
    public synchronized void stop() {
        Beat b = beat;
        if (b != null) {
            b.stop();
        }
    }

    @Override
    public boolean isRunning() {
        return beat != null;
    }

    @Override
    public int getPhase() {
        return EmbeddedWorker.PHASE;
    }

    /** The beat once started. */
    public Optional<Beat> beat() {
        return Optional.ofNullable(beat);
    }
}
