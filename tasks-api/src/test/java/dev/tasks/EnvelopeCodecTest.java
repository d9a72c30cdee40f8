package dev.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tasks.fixtures.ShopTasks.Line;
import dev.tasks.fixtures.ShopTasks.Order;
import dev.tasks.fixtures.ShopTasks.OrderTasks;
import dev.tasks.message.Envelope;
import dev.tasks.message.EnvelopeCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {
    private final EnvelopeCodec codec = EnvelopeCodec.json();
    private final TaskRegistry registry = TaskRegistry.builder().declare(OrderTasks.class).build();

    @Test
    void envelope_round_trips_every_field() {
        Envelope e = Envelope.builder("id-1", "orders.place")
                .args(codec.encodeArgs(new Object[] {42L, "x"}))
                .queue("orders")
                .eta(Instant.parse("2026-01-02T03:04:05.123456Z"))
                .expires(Instant.parse("2026-01-03T00:00:00Z"))
                .attempt(2)
                .maxRetries(5)
                .idempotencyKey("k")
                .priority(7)
                .headers(Map.of("trace", "abc"))
                .parentId("p")
                .rootId("r")
                .createdAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
        String encoded = codec.encode(e);
        Envelope back = codec.decode(encoded);
        assertThat(codec.encode(back)).isEqualTo(encoded);
        assertThat(back.eta()).isEqualTo(e.eta());
        assertThat(back.headers()).isEqualTo(e.headers());
        assertThat(back.attempt()).isEqualTo(2);
        assertThat(back.maxRetries()).isEqualTo(5);
        assertThat(back.v()).isEqualTo(Envelope.PROTOCOL_VERSION);
    }

    @Test
    void records_optional_time_collections_and_big_decimals_round_trip_exactly() {
        Order order = new Order(7L, "ada", List.of(new Line("sku-1", 2, new BigDecimal("19.990")),
                new Line("sku-2", 1, new BigDecimal("0.10000000000000000001"))), Optional.of("leave at door"),
                Instant.parse("2026-11-21T10:15:30.000000001Z"), LocalDate.of(2026, 12, 24),
                Map.of("vip", new BigDecimal("1E+3")));
        TaskDefinition place = registry.get("orders.place");
        String payload = codec.encode(Envelope.builder("id", place.name())
                .args(codec.encodeArgs(new Object[] {order})).build());

        Object[] args = place.decodeArgs(codec.decode(payload).args());

        assertThat(args).containsExactly(order);
        Order back = (Order) args[0];
        assertThat(back.lines().get(0).price()).isEqualByComparingTo("19.990").hasToString("19.990");
        assertThat(back.lines().get(1).price()).hasToString("0.10000000000000000001");
        assertThat(back.discounts().get("vip")).hasToString("1E+3");
    }

    @Test
    void empty_optional_round_trips() {
        Order order = new Order(1L, "bob", List.of(), Optional.empty(), Instant.EPOCH, LocalDate.EPOCH, Map.of());
        TaskDefinition place = registry.get("orders.place");
        JsonNode args = codec.decode(codec.encode(Envelope.builder("id", "orders.place")
                .args(codec.encodeArgs(new Object[] {order})).build())).args();
        assertThat(place.decodeArgs(args)).containsExactly(order);
    }

    @Test
    void unknown_fields_are_ignored() {
        Envelope e = codec.decode("{\"v\":1,\"id\":\"a\",\"task\":\"t\",\"args\":[],\"fromTheFuture\":{\"x\":1},\"links\":[1]}");
        assertThat(e.id()).isEqualTo("a");
        assertThat(e.task()).isEqualTo("t");
    }

    @Test
    void malformed_json_gives_a_typed_error_carrying_the_raw_payload() {
        String raw = "{\"v\":1,\"id\":\"a\",\"task\":";
        assertThatThrownBy(() -> codec.decode(raw))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("malformed task message")
                .satisfies(e -> assertThat(((MessageDecodeException) e).rawPayload()).isEqualTo(raw));
    }

    @Test
    void not_json_at_all_is_a_decode_error() {
        assertThatThrownBy(() -> codec.decode("hello world"))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("hello world");
        assertThatThrownBy(() -> codec.decode(""))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void missing_required_fields_are_a_decode_error() {
        assertThatThrownBy(() -> codec.decode("{\"v\":1,\"args\":[]}"))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("id");
    }

    @Test
    void a_newer_protocol_version_is_refused_by_name() {
        assertThatThrownBy(() -> codec.decode("{\"v\":99,\"id\":\"a\",\"task\":\"t\",\"args\":[]}"))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("protocol version 99");
    }

    @Test
    void args_that_are_not_an_array_are_a_decode_error() {
        assertThatThrownBy(() -> codec.decode("{\"v\":1,\"id\":\"a\",\"task\":\"t\",\"args\":{\"a\":1}}"))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("args must be a JSON array");
    }

    @Test
    void deeply_nested_json_is_refused() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String raw = "{\"v\":1,\"id\":\"a\",\"task\":\"t\",\"args\":" + deep + "}";
        assertThatThrownBy(() -> codec.decode(raw))
                .isInstanceOf(MessageDecodeException.class)
                .hasMessageContaining("nesting depth");
    }

    @Test
    void wrong_argument_types_name_the_parameter_and_the_type() {
        TaskDefinition confirm = registry.get("orders.sendOrderConfirmation");
        assertThatThrownBy(() -> confirm.decodeArgs(codec.mapper().readTree("[\"42\"]")))
                .isInstanceOf(ArgumentMismatchException.class)
                .hasMessageContaining("argument 0 (orderId) must be long");
        assertThatThrownBy(() -> confirm.decodeArgs(codec.mapper().readTree("[1.5]")))
                .isInstanceOf(ArgumentMismatchException.class);
        assertThatThrownBy(() -> confirm.decodeArgs(codec.mapper().readTree("[null]")))
                .isInstanceOf(ArgumentMismatchException.class)
                .hasMessageContaining("argument 0 (orderId) must be long, got null");
        assertThatThrownBy(() -> confirm.decodeArgs(codec.mapper().readTree("[1, 2]")))
                .isInstanceOf(ArgumentMismatchException.class)
                .hasMessageContaining("takes 1 argument(s) (long orderId), got 2");
    }

    @Test
    void payload_size_counts_utf8_bytes() {
        assertThat(EnvelopeCodec.sizeOf("abc")).isEqualTo(3);
        assertThat(EnvelopeCodec.sizeOf("é")).isEqualTo(2);
        assertThat(EnvelopeCodec.sizeOf("€")).isEqualTo(3);
        assertThat(EnvelopeCodec.sizeOf("😀")).isEqualTo(4);
        assertThat(EnvelopeCodec.sizeOf("a😀é€")).isEqualTo(EnvelopeCodec.utf8("a😀é€").length);
    }
}
