package dev.tasks.message;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.time.Instant;

/**
 * Readers of envelope fields that accept only the JSON type {@code docs/wire-format.md} gives them, where
 * Jackson alone would convert: a number is not a string id ({@code "id": 42}), a header value must be a
 * string, an instant must be an ISO-8601 string (not epoch seconds). A mismatch fails decoding with
 * "{@code <field> must be <type>, was <JSON type>}".
 */
final class WireTypes {
    private WireTypes() {}

    /** A JSON string (or null, for optional fields), never a number, boolean, array or object. */
    static final class Text extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return p.getText();
            }
            return ctxt.reportInputMismatch(this, "%s must be a string, was %s", fieldName(p), describe(p));
        }
    }

    /** A header value: a JSON string, nothing else (null included). */
    static final class HeaderValue extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return p.getText();
            }
            return ctxt.reportInputMismatch(this, "headers must be an object of strings, header %s was %s",
                    fieldName(p), describe(p));
        }

        @Override
        public String getNullValue(DeserializationContext ctxt) throws com.fasterxml.jackson.databind.JsonMappingException {
            return ctxt.reportInputMismatch(this, "headers must be an object of strings, a header was null");
        }
    }

    /** An instant written as an ISO-8601 string. */
    static final class Time extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return ctxt.readValue(p, Instant.class);
            }
            return ctxt.reportInputMismatch(this, "%s must be an ISO-8601 instant string, was %s", fieldName(p),
                    describe(p));
        }
    }

    private static String fieldName(JsonParser p) {
        JsonStreamContext c = p.getParsingContext();
        if (c != null && (p.hasToken(JsonToken.START_OBJECT) || p.hasToken(JsonToken.START_ARRAY))) {
            c = c.getParent(); // the value's own context has no name yet
        }
        String name = c == null ? null : c.getCurrentName();
        return name == null ? "a field" : "'" + dev.tasks.spi.support.LogSafe.escape(name, 100) + "'";
    }

    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "missing";
        }
        return switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
