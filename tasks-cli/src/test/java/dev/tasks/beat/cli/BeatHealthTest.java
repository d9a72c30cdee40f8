package dev.tasks.beat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tasks.Tasks;
import dev.tasks.beat.Beat;
import dev.tasks.beat.Schedule;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.worker.cli.Health;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The answers of a beat's health checks through its life cycle, on the in-memory broker: starting, leader,
 * standby, shutting down. Over HTTP against real brokers made unreachable: {@code HealthProcessTest}.
 */
class BeatHealthTest {

    private static Beat beat(Tasks tasks, InMemoryBroker broker, String owner) {
        return Beat.builder().tasks(tasks).broker(broker).owner(owner).lockTtl(Duration.ofSeconds(30))
                .schedules(Schedule.builder("hourly").task("app.ping").cron("@hourly").build()).build();
    }

    @Test
    void ready_while_leader_or_standby_and_not_live_once_stopping() {
        try (InMemoryBroker broker = InMemoryBroker.create(); Tasks tasks = Tasks.builder().broker(broker).build();
                BeatHealth health = new BeatHealth(broker); BeatHealth standbyHealth = new BeatHealth(broker);
                Beat leader = beat(tasks, broker, "one"); Beat standby = beat(tasks, broker, "two")) {
            assertThat(health.live().up()).isTrue();
            Health.Status starting = health.ready();
            assertThat(starting.up()).isFalse();
            assertThat(starting.reason()).isEqualTo("the beat is starting");

            leader.start();
            health.running(leader);
            await().atMost(Duration.ofSeconds(10)).until(leader::isLeader);
            standby.start();
            standbyHealth.running(standby);
            Health.Status ready = health.ready();
            assertThat(ready.up()).isTrue();
            assertThat(ready.toJson()).isEqualTo("{\"status\":\"UP\",\"beat\":\"RUNNING\",\"owner\":\"one\",\"role\":\"leader\"}");
            Health.Status standbyReady = standbyHealth.ready();
            assertThat(standbyReady.up()).as("a standby waiting for the lock is ready").isTrue();
            assertThat(standbyReady.details()).containsEntry("role", "standby");

            health.stopping();
            Health.Status live = health.live();
            assertThat(live.up()).isFalse();
            assertThat(live.httpStatus()).isEqualTo(503);
            assertThat(live.toJson()).isEqualTo("{\"status\":\"DOWN\",\"reason\":\"the beat is shutting down\","
                    + "\"beat\":\"STOPPING\"}");
            assertThat(health.ready().up()).isFalse();
        }
    }
}
