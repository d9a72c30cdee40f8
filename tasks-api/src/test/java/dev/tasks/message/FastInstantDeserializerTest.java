package dev.tasks.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The canonical-form fast path reads exactly what Jackson's own instant deserializer reads. */
class FastInstantDeserializerTest {

    private final ObjectMapper codec = EnvelopeCodec.json().mapper();
    private final ObjectMapper plain = JsonMapper.builder().addModule(new JavaTimeModule()).build();

    @Test
    void canonical_instants_from_year_0_to_9999_parse_to_the_same_instant_as_instant_parse() {
        Random random = new Random(42);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            long seconds = min + (long) (random.nextDouble() * (max - min));
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant expected = Instant.ofEpochSecond(seconds, nanos);
            String text = DateTimeFormatter.ISO_INSTANT.format(expected);
            assertThat(FastInstantDeserializer.parseCanonical(text)).as(text).isEqualTo(expected);
        }
    }

    @Test
    void the_codec_reads_every_form_as_jacksons_own_deserializer_does() throws Exception {
        for (String json : List.of("\"2026-11-21T15:30:31Z\"", "\"2026-11-21T15:30:31.5Z\"",
                "\"2026-11-21T15:30:31.123456789Z\"", "\"2026-11-21T16:30:31+01:00\"", "\"2016-12-31T23:59:60Z\"",
                "\"+12026-11-21T15:30:31Z\"", "\"2026-11-21T24:00:00Z\"", "1700000000.5", "1700000000")) {
            assertThat(codec.readValue(json, Instant.class)).as(json).isEqualTo(plain.readValue(json, Instant.class));
        }
    }

    @Test
    void odd_and_malformed_instants_read_or_fail_as_they_did_without_the_fast_path() {
        for (String json : List.of("\"2026-02-30T00:00:00Z\"", "\"2026-11-21 15:30:31Z\"", "\"2026-11-21T15:30:31.Z\"",
                "\"2026-11-21T15:30:31.1234567890Z\"", "\"2026-13-01T00:00:00Z\"", "\"2026-11-21T15:60:00Z\"",
                "\"yesterday\"", "\"2026-11-2aT15:30:31Z\"")) {
            assertThat(outcome(codec, json)).as(json).isEqualTo(outcome(plain, json));
        }
        assertThatThrownBy(() -> codec.readValue("\"2026-02-30T00:00:00Z\"", Instant.class))
                .hasMessageContaining("2026-02-30");
    }

    record Stamped(@JsonFormat(pattern = "yyyy-MM-dd HH:mm", timezone = "UTC") Instant at) {}

    @Test
    void a_property_with_its_own_format_keeps_it() throws Exception {
        Stamped s = codec.readValue("{\"at\":\"2026-11-21 15:30\"}", Stamped.class);
        assertThat(s.at()).isEqualTo(Instant.parse("2026-11-21T15:30:00Z"));
    }

    /** The instant read, or the class of the failure. */
    private static Object outcome(ObjectMapper mapper, String json) {
        try {
            return mapper.readValue(json, Instant.class);
        } catch (Exception e) {
            return e.getClass();
        }
    }
}
