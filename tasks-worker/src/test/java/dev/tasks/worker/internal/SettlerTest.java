package dev.tasks.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.BrokerException;
import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.ForwardingBroker;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SettlerTest {

    private static final Delivery DELIVERY = new Delivery("q", "m-1", "{}", 1, "r-1", null);

    @Test
    void retries_a_transient_broker_error_until_it_goes_through() {
        AtomicInteger calls = new AtomicInteger();
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            Settler settler = new Settler(new ForwardingBroker(memory) {
                @Override
                public void deadLetter(Delivery delivery, String reason) {
                    if (calls.incrementAndGet() <= 3) {
                        throw new BrokerException("down", new SQLNonTransientConnectionException("closed", "08006"));
                    }
                }
            });
            settler.deadLetter(DELIVERY, "why");
            assertThat(calls.get()).isEqualTo(4);
        }
    }

    @Test
    void does_not_retry_an_error_that_would_repeat() {
        AtomicInteger calls = new AtomicInteger();
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            Settler settler = new Settler(new ForwardingBroker(memory) {
                @Override
                public void deadLetter(Delivery delivery, String reason) {
                    calls.incrementAndGet();
                    throw new BrokerException("insert failed",
                            new SQLIntegrityConstraintViolationException("duplicate key", "23505"));
                }
            });
            assertThatThrownBy(() -> settler.deadLetter(DELIVERY, "why")).isNotInstanceOf(Settler.GaveUp.class)
                    .hasMessage("insert failed");
            assertThat(calls.get()).isEqualTo(1);
        }
        assertThat(Settler.isTransient(new BrokerException("x", new SQLException("value too long", "22001"))))
                .isFalse();
        assertThat(Settler.isTransient(new BrokerException("x", new SQLException("lock timeout", "HYT00")))).isTrue();
        assertThat(Settler.isTransient(new BrokerException("no cause"))).isTrue();
        assertThat(Settler.isTransient(new BrokerException("x", new IllegalStateException(
                "WRONGTYPE Operation against a key holding the wrong kind of value")))).isFalse();
        assertThat(Settler.isTransient(new BrokerException("x", new IllegalStateException(
                "OOM command not allowed when used memory > 'maxmemory'")))).isTrue();
    }

    @Test
    void gives_up_once_the_deadline_comes_before_the_next_attempt() {
        AtomicInteger calls = new AtomicInteger();
        try (InMemoryBroker memory = InMemoryBroker.create()) {
            Settler settler = new Settler(new ForwardingBroker(memory) {
                @Override
                public void retry(Delivery delivery, String payload, java.time.Duration delay) {
                    calls.incrementAndGet();
                    throw new BrokerException("connection lost");
                }
            });
            settler.stopBy(System.nanoTime());
            assertThatThrownBy(() -> settler.retry(DELIVERY, "{}", java.time.Duration.ZERO))
                    .isInstanceOf(Settler.GaveUp.class).hasMessageContaining("shutdown grace period")
                    .hasMessageContaining("connection lost");
            assertThat(calls.get()).isEqualTo(1);
        }
    }
}
