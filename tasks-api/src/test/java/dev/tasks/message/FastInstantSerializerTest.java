package dev.tasks.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The canonical-form fast path writes exactly what Jackson's own instant serializer writes. */
class FastInstantSerializerTest {

    private final ObjectMapper codec = EnvelopeCodec.json().mapper();
    private final ObjectMapper plain = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    @Test
    void instants_from_year_0_to_9999_are_written_as_iso_instant_writes_them() {
        Random random = new Random(7);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            long seconds = min + (long) (random.nextDouble() * (max - min));
            int nanos = switch (i % 5) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                case 3 -> random.nextInt(1_000_000_000);
                default -> 1;
            };
            Instant value = Instant.ofEpochSecond(seconds, nanos);
            assertThat(FastInstantSerializer.formatCanonical(value))
                    .isEqualTo(DateTimeFormatter.ISO_INSTANT.format(value));
        }
    }

    @Test
    void the_codec_writes_every_instant_as_jacksons_own_serializer_does() throws Exception {
        for (Instant value : List.of(Instant.EPOCH, Instant.parse("2026-11-21T15:30:31.120Z"),
                Instant.parse("1969-12-31T23:59:59.999999999Z"), Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.5Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59Z"), Instant.MIN, Instant.MAX)) {
            assertThat(codec.writeValueAsString(value)).as(value.toString()).isEqualTo(plain.writeValueAsString(value));
        }
    }

    record Stamped(@JsonFormat(pattern = "yyyy-MM-dd HH:mm", timezone = "UTC") Instant at, Instant plain) {}

    record Numeric(@JsonFormat(shape = JsonFormat.Shape.NUMBER) Instant at) {}

    @Test
    void a_property_with_its_own_format_keeps_it() throws Exception {
        Instant at = Instant.parse("2026-11-21T15:30:31.5Z");
        assertThat(codec.writeValueAsString(new Stamped(at, at)))
                .isEqualTo("{\"at\":\"2026-11-21 15:30\",\"plain\":\"2026-11-21T15:30:31.500Z\"}");
        assertThat(codec.writeValueAsString(new Numeric(at))).isEqualTo(plain.writeValueAsString(new Numeric(at)));
    }
}
