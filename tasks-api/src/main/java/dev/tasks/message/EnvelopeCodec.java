package dev.tasks.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tasks.MessageDecodeException;
import dev.tasks.spi.support.LogSafe;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Encodes and decodes {@link Envelope}s and task arguments as JSON. Thread-safe.
 *
 * <p>Arguments are typed by the task method's parameter types, never by type names in the message: no
 * Java serialization, no Jackson default typing, and the mapper denies every type id that is a Java class
 * name ({@code @JsonTypeInfo(use = CLASS)} or {@code MINIMAL_CLASS}, wherever declared), so a message
 * cannot name a class to load or instantiate. Logical type names ({@code use = NAME} with
 * {@code @JsonSubTypes}) work.
 * Records, {@code Optional}, {@code java.time} values, collections and {@code BigDecimal} round-trip
 * exactly. Scalars are not coerced ({@code "42"} is not an {@code int}), so a type mismatch is an error,
 * not a silent conversion. Nesting deeper than {@value #MAX_NESTING_DEPTH} levels is refused when
 * reading and when writing, so a producer cannot encode a message that no worker can read.
 */
public final class EnvelopeCodec {

    /** Deepest JSON nesting accepted; guards against stack exhaustion from hostile payloads. */
    public static final int MAX_NESTING_DEPTH = 200;

    private static final EnvelopeCodec DEFAULT = new EnvelopeCodec();

    private final ObjectMapper mapper;
    private final ObjectReader envelopeReader;
    private final ObjectWriter envelopeWriter;

    private EnvelopeCodec() {
        JsonMapper m = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("tasks-fast-instant")
                        .addDeserializer(Instant.class, new FastInstantDeserializer())
                        .addSerializer(Instant.class, new FastInstantSerializer()))
                .addModule(new Jdk8Module())
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .polymorphicTypeValidator(NoClassNameTypeIds.INSTANCE)
                .build();
        m.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
        m.getFactory().setStreamWriteConstraints(
                StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
        // Nor is a number or boolean text: 42 is not a String (Jackson converts it unless told not to).
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        this.mapper = m;
        // Absent numeric envelope fields (attempt, priority) default to 0; arguments stay strict.
        this.envelopeReader = m.readerFor(Envelope.class).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        this.envelopeWriter = m.writerFor(Envelope.class);
    }

    /** The shared codec. */
    public static EnvelopeCodec json() {
        return DEFAULT;
    }

    /** The configured mapper; do not reconfigure it. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** Encodes an envelope to its JSON text. */
    public String encode(Envelope envelope) {
        try {
            return envelopeWriter.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode task " + envelope.id() + " (" + envelope.task()
                    + "): " + e.getOriginalMessage(), e);
        }
    }

    /** The UTF-8 size of an encoded payload. */
    public static int sizeOf(String payload) {
        int bytes = 0;
        for (int i = 0, n = payload.length(); i < n; i++) {
            char c = payload.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * Decodes a payload.
     *
     * @throws MessageDecodeException carrying the raw payload when it is not a valid envelope or has a
     *     protocol version newer than {@link Envelope#PROTOCOL_VERSION}
     */
    public Envelope decode(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new MessageDecodeException("empty message payload", payload, null);
        }
        Envelope e;
        try {
            e = envelopeReader.readValue(payload);
        } catch (IOException | RuntimeException ex) {
            String why = ex instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : ex.toString();
            throw new MessageDecodeException("malformed task message: " + why + " (payload "
                    + abbreviate(payload) + ")", payload, ex);
        }
        if (e == null) {
            // Jackson reads the JSON literal null as a null object, not an error.
            throw new MessageDecodeException("malformed task message: JSON null is not a task message (payload "
                    + abbreviate(payload) + ")", payload, null);
        }
        if (e.v() < 1 || e.v() > Envelope.PROTOCOL_VERSION) {
            throw new MessageDecodeException("task message " + LogSafe.escape(e.id(), 80) + " has protocol version "
                    + e.v() + ", this worker reads versions 1 to " + Envelope.PROTOCOL_VERSION, payload, null);
        }
        String violation = EnvelopeValidator.violation(e);
        if (violation != null) {
            throw new MessageDecodeException("malformed task message: " + violation + " (id '"
                    + LogSafe.escape(e.id(), 80) + "')", payload, null);
        }
        return e;
    }

    /** Encodes arguments to a JSON array, each by its runtime type. */
    public ArrayNode encodeArgs(Object[] args) {
        ArrayNode array = mapper.createArrayNode();
        if (args != null) {
            for (Object arg : args) {
                array.add(mapper.<JsonNode>valueToTree(arg));
            }
        }
        return array;
    }

    /** The Jackson type of a reflective parameter type. */
    public JavaType typeOf(Type type) {
        return mapper.getTypeFactory().constructType(type);
    }

    /**
     * Reads one argument as the given type.
     *
     * @throws IOException (Jackson's) naming the path and the expected type when it does not fit, or
     *     saying that the type takes class names as type ids, which this codec refuses
     */
    public Object readArg(JsonNode node, JavaType type) throws IOException {
        try {
            return mapper.readerFor(type).readValue(mapper.treeAsTokens(node));
        } catch (IOException | RuntimeException e) {
            if (NoClassNameTypeIds.deniedBy(e)) {
                throw new IOException("its type takes Java class names as type ids (@JsonTypeInfo(use = CLASS or"
                        + " MINIMAL_CLASS)), which this codec refuses: no class a message names is ever loaded", e);
            }
            throw e;
        }
    }

    /** Reads a JSON text to a tree, with the same limits as messages. */
    public JsonNode readTree(String json) throws IOException {
        return mapper.readTree(json);
    }

    /** A short, single-line form of a payload for error messages. */
    public static String abbreviate(String payload) {
        if (payload == null) {
            return "null";
        }
        String head = payload.length() > 400 ? payload.substring(0, 400) : payload;
        String oneLine = LogSafe.escape(head.replaceAll("\\s+", " "), Integer.MAX_VALUE);
        return payload.length() <= 200 && oneLine.length() <= 200 ? oneLine
                : oneLine.substring(0, Math.min(200, oneLine.length())) + "...(" + payload.length() + " chars)";
    }

    /** UTF-8 bytes of a payload. */
    public static byte[] utf8(String payload) {
        return payload.getBytes(StandardCharsets.UTF_8);
    }
}
