package dev.tasks.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.OutboundMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/** {@link FetchReply} decodes what {@code fetch.lua} really answers, on the test server. */
class FetchReplyTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private String prefix;
    private RedisBroker broker;
    private RedisClient client;

    @BeforeEach
    void open() {
        prefix = TestRedis.freshPrefix();
        broker = TestRedis.broker(prefix, clock);
        client = TestRedis.client();
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (broker != null) {
            broker.close();
        }
        TestRedis.deleteKeys(prefix);
    }

    private FetchReply fetchScript(String queue, int max) {
        List<String> args = List.of(Long.toString(NOW.toEpochMilli()), Integer.toString(max), RedisBroker.GROUP,
                "l30000", "1000", "1");
        return FetchReply.parse(FetchPass.FETCH.eval(client, broker.keys(queue).all(), args));
    }

    @Test
    void decodes_the_entries_taken_highest_level_first_with_their_fields() {
        broker.publish(List.of(new OutboundMessage("low", "q", 0, null, "{\"n\":0}"),
                new OutboundMessage("high", "q", 9, null, "{\"n\":9}")));

        FetchReply reply = fetchScript("q", 10);

        assertThat(reply.wake()).isNull();
        assertThat(reply.streams()).isEqualTo(2);
        assertThat(reply.entries()).extracting(FetchReply.Entry::stream).containsExactly("9", "0");
        assertThat(reply.entries()).extracting(e -> e.fields().get("id")).containsExactly("high", "low");
        assertThat(reply.entries()).extracting(e -> e.fields().get("p")).containsExactly("{\"n\":9}", "{\"n\":0}");
        assertThat(reply.entries().get(0).id()).matches("\\d+-\\d+");
    }

    @Test
    void decodes_the_wake_of_a_queue_found_empty_with_its_deadlines_and_last_entries() {
        broker.publish(List.of(new OutboundMessage("ready", "q", 3, null, "{}")));
        FetchReply first = fetchScript("q", 10);
        String taken = first.entries().get(0).id();
        Instant due = NOW.plusSeconds(3600);
        broker.publish(List.of(new OutboundMessage("later", "q", 3, due, "{}")));

        FetchReply.Wake wake = fetchScript("q", 10).wake();

        assertThat(wake).isNotNull();
        long now = NOW.toEpochMilli();
        assertThat(wake.untilNextDue(now)).isEqualTo(3_600_000);
        // the delivery taken first is leased for 30 s from when it was read
        assertThat(wake.untilLeaseDeadline(now)).isBetween(1L, 30_000L);
        assertThat(wake.lastFresh().get(3)).isEqualTo(new StreamEntryID(taken));
        assertThat(wake.lastFresh().get(0)).isEqualTo(new StreamEntryID(0, 0));
        assertThat(wake.lastRedelivered()).hasSize(QueueKeys.LEVELS).containsOnly(new StreamEntryID(0, 0));
    }

    @Test
    void a_wake_without_delayed_messages_or_leases_sets_no_deadline() {
        FetchReply.Wake wake = fetchScript("empty", 10).wake();

        assertThat(wake.nextDueMillis()).isEqualTo(FetchReply.Wake.NONE);
        assertThat(wake.leaseDeadlineMillis()).isEqualTo(FetchReply.Wake.NONE);
        assertThat(wake.untilNextDue(NOW.toEpochMilli())).isEqualTo(Long.MAX_VALUE);
        assertThat(wake.untilLeaseDeadline(NOW.toEpochMilli())).isEqualTo(Long.MAX_VALUE);
    }
}
