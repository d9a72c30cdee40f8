package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.beat.Beat;
import dev.tasks.spring.boot.app.Confirmations;
import dev.tasks.spring.boot.app.ShopSchedules;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code tasks.beat.enabled=true}: the application's {@code ScheduleProvider} bean is enqueued by the embedded
 * beat and run by the embedded worker; closing the context stops the beat and gives up its leader lock.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EmbeddedBeatTest {

    @Test
    void the_schedule_bean_fires_and_the_beat_stops_with_the_context() {
        Beat beat;
        try (ConfigurableApplicationContext context = BootApps.start("tasks.worker.enabled=true",
                "tasks.beat.enabled=true")) {
            Confirmations done = context.getBean(Confirmations.class);
            beat = context.getBean(EmbeddedBeat.class).beat().orElseThrow();
            assertThat(beat.schedules()).extracting(s -> s.name()).containsExactly("confirm-every-second");
            await().atMost(Duration.ofSeconds(30)).until(() -> done.confirmed.stream()
                    .filter(id -> id == ShopSchedules.SCHEDULED_ORDER).count() >= 2);
            assertThat(beat.isLeader()).isTrue();
        }
        assertThat(beat.isLeader()).as("the lock is released when the context closes").isFalse();
    }
}
