package dev.tasks.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasks.MessageDecodeException;
import dev.tasks.spi.support.LogSafe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every constraint of docs/wire-format.md is checked when a message is read, naming the field and the rule. */
class WireFormatOnReadTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final EnvelopeCodec codec = EnvelopeCodec.json();

    private static ObjectNode valid() {
        ObjectNode e = JSON.objectNode();
        e.put("v", 1).put("id", "019a8f3c-7b1e-7c3a-9d2e-4f5a6b7c8d9e").put("task", "orders.send");
        e.putArray("args").add(42);
        e.put("queue", "orders").put("attempt", 0).put("priority", 0).put("createdAt", "2026-11-21T11:31:46.123Z");
        e.putObject("headers").put("trace", "abc");
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "priority 99       | priority | 99                  | priority must be 0-9, was 99",
        "priority -1       | priority | -1                  | priority must be 0-9, was -1",
        "numeric id        | id       | 42                  | 'id' must be a string, was the number 42",
        "numeric task      | task     | 5                   | 'task' must be a string, was the number 5",
        "object task       | task     | {\"a\":1}           | 'task' must be a string, was an object",
        "negative attempt  | attempt  | -5                  | attempt must be >= 0, was -5",
        "negative retries  | maxRetries | -1                | maxRetries must be >= 0, was -1",
        "header number     | headers  | {\"a\":1}           | headers must be an object of strings, header 'a' was the number 1",
        "header object     | headers  | {\"a\":{}}          | headers must be an object of strings, header 'a' was an object",
        "header null       | headers  | {\"a\":null}        | headers must be an object of strings, a header was null",
        "kwargs array      | kwargs   | [1,2]               | kwargs must be a JSON object, was array",
        "args object       | args     | {}                  | args must be a JSON array, was object",
        "numeric queue     | queue    | 7                   | 'queue' must be a string, was the number 7",
        "epoch eta         | eta      | 1700000000          | 'eta' must be an ISO-8601 instant string, was the number 1700000000",
        "boolean key       | idempotencyKey | true          | 'idempotencyKey' must be a string, was the boolean true",
        "empty id          | id       | \"\"                | id must not be empty",
        "link array        | link     | []                  | link must be a JSON object, was array",
    })
    void a_message_breaking_a_rule_is_refused_naming_the_field_and_the_rule(String what, String field, String json,
            String rule) throws Exception {
        ObjectNode e = valid();
        e.set(field, codec.readTree(json));
        String payload = e.toString();
        assertThatThrownBy(() -> codec.decode(payload)).isInstanceOf(MessageDecodeException.class)
                .hasMessageStartingWith("malformed task message")
                .hasMessageContaining(rule)
                .satisfies(t -> assertThat(((MessageDecodeException) t).rawPayload()).isEqualTo(payload));
    }

    @Test
    void an_id_or_task_name_with_control_characters_is_refused_and_the_reason_is_escaped() {
        ObjectNode e = valid().put("id", "abc\u0000def");
        assertThatThrownBy(() -> codec.decode(e.toString())).hasMessageContaining(
                "id must not contain control characters").hasMessageContaining("'abc\\u0000def'")
                .satisfies(t -> assertThat(LogSafe.hasUnsafeCharacter(t.getMessage())).isFalse());
        ObjectNode forged = valid().put("task", "x\n2026-12-07 ERROR FORGED");
        assertThatThrownBy(() -> codec.decode(forged.toString())).hasMessageContaining("task must not contain")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        ObjectNode rtl = valid().put("task", "orders.\u202esend");
        assertThatThrownBy(() -> codec.decode(rtl.toString())).hasMessageContaining("task must not contain");
    }

    @Test
    void an_over_long_task_name_is_refused_with_its_length() {
        ObjectNode e = valid().put("task", "t".repeat(10_240));
        assertThatThrownBy(() -> codec.decode(e.toString())).hasMessageContaining(
                "task must be at most 255 characters, was 10240");
    }

    @Test
    void unknown_top_level_fields_are_still_ignored() {
        ObjectNode e = valid();
        e.put("futureField", 1).putObject("futureObject").put("x", "y");
        Envelope read = codec.decode(e.toString());
        assertThat(read.task()).isEqualTo("orders.send");
        assertThat(read.headers()).containsEntry("trace", "abc");
    }

    @Test
    void the_documented_example_and_a_fully_filled_envelope_are_read() {
        String doc = "{\"v\":1,\"id\":\"019a8f3c-7b1e-7c3a-9d2e-4f5a6b7c8d9e\",\"task\":\"orders.sendOrderConfirmation\","
                + "\"args\":[42],\"queue\":\"orders\",\"attempt\":0,\"priority\":0,\"headers\":{},"
                + "\"createdAt\":\"2026-11-21T11:31:46.123Z\"}";
        assertThat(codec.decode(doc).priority()).isZero();
        ObjectNode full = valid().put("priority", 9).put("attempt", 3).put("maxRetries", 0).put("idempotencyKey", "k")
                .put("parentId", "p").put("rootId", "r").put("eta", "2026-11-21T11:31:46Z").put("storeResult", true);
        full.putObject("kwargs").put("a", 1);
        full.set("expires", JSON.nullNode());
        assertThat(codec.decode(full.toString()).priority()).isEqualTo(9);
    }
}
