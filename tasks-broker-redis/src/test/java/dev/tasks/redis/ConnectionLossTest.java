package dev.tasks.redis;

import dev.tasks.tck.TcpProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tasks.BrokerException;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import dev.tasks.spi.QueueStats;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/** What happens when connections to Redis drop: errors are BrokerExceptions, nothing is lost or falsely acked. */
class ConnectionLossTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private String prefix;
    private String clientName;
    private RedisBroker broker;

    @BeforeEach
    void open() {
        prefix = TestRedis.freshPrefix();
        clientName = "tasks-test-" + prefix;
        broker = RedisBroker.builder().url(TestRedis.url()).keyPrefix(prefix).clientName(clientName).build();
    }

    @AfterEach
    void close() {
        broker.close();
        TestRedis.deleteKeys(prefix);
    }

    private static OutboundMessage msg(String id) {
        return new OutboundMessage(id, "q", 0, null, "p-" + id);
    }

    /** Kills the broker's connections on the server side; returns how many; optionally only those running cmd. */
    private int killConnections(String runningCommand) {
        int killed = 0;
        try (RedisClient c = TestRedis.client()) {
            Object list = c.sendCommand(Protocol.Command.CLIENT, "LIST");
            String text = list instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(list);
            for (String line : text.split("\n")) {
                if (line.contains(" name=" + clientName + " ")
                        && (runningCommand == null || line.contains(" cmd=" + runningCommand + " "))) {
                    String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id=")));
                    c.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id);
                    killed++;
                }
            }
        }
        return killed;
    }

    @Test
    void a_connection_killed_during_a_blocking_fetch_fails_or_recovers_and_loses_nothing() throws Exception {
        CompletableFuture<List<Delivery>> waiting = CompletableFuture.supplyAsync(
                () -> broker.fetch(List.of("q"), 10, LEASE, Duration.ofSeconds(3)));
        await().atMost(Duration.ofSeconds(5)).until(() -> killConnections("xread") > 0);
        try {
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEmpty();
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BrokerException.class);
        }
        broker.publish(msg("a"));
        assertThat(broker.fetch(List.of("q"), 10, LEASE, Duration.ofSeconds(1)))
                .extracting(Delivery::messageId).containsExactly("a");
    }

    @Test
    void an_ack_on_killed_connections_is_done_or_reported_failed_never_falsely_done() {
        broker.publish(List.of(msg("a"), msg("b"), msg("c")));
        List<Delivery> got = broker.fetch(List.of("q"), 10, LEASE, Duration.ZERO);
        assertThat(got).hasSize(3);
        assertThat(killConnections(null)).isPositive();
        boolean acked;
        try {
            broker.ack(got);
            acked = true;
        } catch (BrokerException e) {
            acked = false;
        }
        if (acked) {
            assertThat(broker.stats("q")).isEqualTo(new QueueStats("q", 0, 0, 0, 0));
        } else {
            assertThat(broker.stats("q").inFlight()).isEqualTo(3);
        }
    }

    @Test
    void a_publish_on_killed_connections_fails_with_a_broker_exception_or_lands_and_the_next_one_works() {
        broker.publish(msg("warm-up"));
        killConnections(null);
        try {
            broker.publish(msg("maybe"));
        } catch (BrokerException e) {
            assertThat(e).hasCauseInstanceOf(redis.clients.jedis.exceptions.JedisConnectionException.class);
        }
        broker.publish(msg("sure"));
        List<Delivery> got = broker.fetch(List.of("q"), 10, LEASE, Duration.ZERO);
        assertThat(got).extracting(Delivery::messageId).contains("warm-up", "sure");
    }

    @Test
    void an_outage_fails_calls_with_broker_exceptions_backs_off_and_recovers_without_losing_messages() throws Exception {
        URI target = URI.create(TestRedis.url());
        try (TcpProxy proxy = new TcpProxy(target.getHost(), target.getPort() < 0 ? 6379 : target.getPort());
                RedisBroker viaProxy = RedisBroker.builder()
                        .url("redis://127.0.0.1:" + proxy.port())
                        .keyPrefix(prefix)
                        .timeout(Duration.ofMillis(500))
                        .clock(Clock.systemUTC())
                        .build()) {
            viaProxy.publish(List.of(msg("a"), msg("b")));
            Delivery a = viaProxy.fetch(List.of("q"), 1, LEASE, Duration.ZERO).get(0);

            proxy.cut();
            assertThatThrownBy(() -> viaProxy.ack(List.of(a))).isInstanceOf(BrokerException.class)
                    .hasMessageContaining("lost connection");
            // A worker loop polling during the outage is throttled by the backoff, not spinning.
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            int calls = 0;
            List<Exception> failures = new ArrayList<>();
            while (System.nanoTime() < end) {
                calls++;
                try {
                    viaProxy.fetch(List.of("q"), 10, LEASE, Duration.ofMillis(50));
                } catch (BrokerException e) {
                    failures.add(e);
                }
            }
            assertThat(failures).isNotEmpty();
            assertThat(proxy.refused()).isLessThan(20);

            proxy.restore();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(BrokerException.class)
                    .until(() -> !viaProxy.fetch(List.of("q"), 10, LEASE, Duration.ofMillis(100)).isEmpty());
            assertThat(viaProxy.stats("q").inFlight()).isEqualTo(2);
            // the failed ack did not happen: message a is still leased and can be acked now
            viaProxy.ack(List.of(a));
            assertThat(viaProxy.stats("q").inFlight()).isEqualTo(1);
            assertThat(calls).isPositive();
        }
    }
}
