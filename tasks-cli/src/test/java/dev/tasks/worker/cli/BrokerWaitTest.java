package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.BrokerException;
import dev.tasks.ConfigurationException;
import dev.tasks.TasksConfig;
import dev.tasks.tck.SettableClock;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BrokerWaitTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<Duration> sleeps = new ArrayList<>();
    private final BrokerWait.Sleeper sleeper = d -> {
        sleeps.add(d);
        clock.advance(d);
    };

    private static BrokerException refused() {
        return new BrokerException("cannot connect to Redis at 127.0.0.1:1: refused",
                new RuntimeException("wrapped", new ConnectException("Connection refused")));
    }

    @Test
    void retries_an_unreachable_broker_with_backoff_until_it_answers() {
        AtomicInteger calls = new AtomicInteger();
        String broker = new BrokerWait(Duration.ofMinutes(1), clock, sleeper).attempt(() -> {
            if (calls.incrementAndGet() < 6) {
                throw refused();
            }
            return "broker";
        });
        assertThat(broker).isEqualTo("broker");
        assertThat(sleeps).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofMillis(1600), Duration.ofMillis(3200));
    }

    @Test
    void gives_up_when_the_wait_is_over_saying_how_long_it_waited() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> new BrokerWait(Duration.ofSeconds(20), clock, sleeper).attempt(() -> {
            calls.incrementAndGet();
            throw refused();
        })).isInstanceOf(BrokerException.class).hasMessageStartingWith("broker still unreachable after waiting 20s")
                .hasMessageContaining("127.0.0.1:1");
        assertThat(sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofSeconds(20));
        assertThat(sleeps).allMatch(d -> d.compareTo(BrokerWait.MAX_DELAY) <= 0);
        assertThat(calls.get()).isEqualTo(sleeps.size() + 1);
    }

    @Test
    void does_not_retry_what_waiting_cannot_fix_nor_wait_when_told_not_to() {
        BrokerException login = new BrokerException("Redis at x refused the login (WRONGPASS)");
        assertThatThrownBy(() -> new BrokerWait(Duration.ofMinutes(1), clock, sleeper).attempt(() -> {
            throw login;
        })).isSameAs(login);
        BrokerException down = refused();
        assertThatThrownBy(() -> new BrokerWait(Duration.ZERO, clock, sleeper).attempt(() -> {
            throw down;
        })).isSameAs(down);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void the_wait_comes_from_the_flag_then_the_settings_then_one_minute() {
        TasksConfig none = TasksConfig.builder().environment(java.util.Map.of()).build();
        TasksConfig set = TasksConfig.builder().environment(java.util.Map.of("TASKS_BROKER_WAIT", "90s")).build();
        assertThat(BrokerWait.resolve(null, none)).isEqualTo(Duration.ofMinutes(1));
        assertThat(BrokerWait.resolve(null, set)).isEqualTo(Duration.ofSeconds(90));
        assertThat(BrokerWait.resolve("0", set)).isEqualTo(Duration.ZERO);
        assertThat(BrokerWait.resolve("PT2M", set)).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> BrokerWait.resolve("soon", none)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("--broker-wait");
    }
}
