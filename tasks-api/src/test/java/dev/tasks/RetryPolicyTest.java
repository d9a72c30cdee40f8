package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static RetryPolicy policy(Backoff backoff, boolean jitter) {
        return new RetryPolicy(5, backoff, Duration.ofSeconds(1), Duration.ofSeconds(10), jitter,
                List.of(IOException.class, IllegalStateException.class), List.of(java.io.FileNotFoundException.class));
    }

    @Test
    void exponential_backoff_doubles_and_is_capped() {
        RetryPolicy p = policy(Backoff.EXPONENTIAL, false);
        assertThat(p.delay(1, () -> 0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.delay(2, () -> 0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.delay(4, () -> 0)).isEqualTo(Duration.ofSeconds(8));
        assertThat(p.delay(5, () -> 0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.delay(500, () -> 0)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void fixed_backoff_stays_at_the_base() {
        RetryPolicy p = policy(Backoff.FIXED, false);
        assertThat(p.delay(1, () -> 0)).isEqualTo(p.delay(9, () -> 0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitter_stays_between_half_and_all_of_the_delay() {
        RetryPolicy p = policy(Backoff.EXPONENTIAL, true);
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            Duration d = p.delay(3, random::nextDouble);
            assertThat(d).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
        }
    }

    @Test
    void retry_on_and_dont_retry_on_decide_by_type() {
        RetryPolicy p = policy(Backoff.FIXED, false);
        assertThat(p.retries(new IOException())).isTrue();
        assertThat(p.retries(new IllegalStateException())).isTrue();
        assertThat(p.retries(new java.io.FileNotFoundException())).isFalse();
        assertThat(p.retries(new IllegalArgumentException())).isFalse();
    }

    @Test
    void invalid_policies_name_the_bound() {
        assertThatThrownBy(() -> new RetryPolicy(-1, Backoff.FIXED, Duration.ZERO, Duration.ZERO, false, List.of(), List.of()))
                .hasMessageContaining("maxRetries must be >= 0, was -1");
        assertThatThrownBy(() -> new RetryPolicy(1, Backoff.FIXED, Duration.ofSeconds(5), Duration.ofSeconds(1), false,
                List.of(), List.of())).hasMessageContaining("max must be >= the base");
        assertThatThrownBy(() -> policy(Backoff.FIXED, false).delay(0, () -> 0))
                .hasMessageContaining("retry number must be >= 1");
    }
}
