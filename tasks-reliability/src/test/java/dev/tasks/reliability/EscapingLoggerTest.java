package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.spi.support.LogSafe;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * {@code LogSafe.logger(..)} with the real logback backend: arguments, concatenated patterns and the
 * messages of logged exceptions (and their causes) reach the appender escaped; numbers pass unchanged.
 */
class EscapingLoggerTest {
    private static final Logger log = LogSafe.logger(EscapingLoggerTest.class);
    private static final String FORGED = "x\n05:00:00.000 ERROR [main] d.t.w.Worker - FORGED LINE\u0000\u001b[2J";

    @Test
    void arguments_patterns_and_exception_messages_are_logged_escaped() {
        try (LogCapture capture = new LogCapture()) {
            log.error("task {} ({}) failed after {} ms", "id\r\n1", FORGED, 42);
            log.warn("concatenated " + FORGED);
            IllegalStateException cause = new IllegalStateException("cause\nwith a line");
            log.error("handling task {} failed", "t1", new RuntimeException("outer " + FORGED, cause));
            log.info("a {} as the last argument is the event's exception", "value", new IllegalArgumentException("a\nb"));
            String text = capture.text();
            assertThat(text).contains("task id\\r\\n1 (x\\n05:00:00.000 ERROR [main] d.t.w.Worker - FORGED LINE"
                    + "\\u0000\\u001b[2J) failed after 42 ms");
            assertThat(text).contains("concatenated x\\n05:00:00.000");
            assertThat(text).contains("java.lang.RuntimeException: outer x\\n05:00:00.000")
                    .contains("java.lang.IllegalStateException: cause\\nwith a line")
                    .contains("java.lang.IllegalArgumentException: a\\nb");
            for (String line : text.split("\n")) {
                assertThat(line).doesNotStartWith("05:00:00.000").doesNotContain("\u0000").doesNotContain("\u001b")
                        .doesNotContain("\r");
            }
            assertThat(capture.size()).isEqualTo(4);
        }
    }

    @Test
    void a_long_argument_is_cut_with_its_length() {
        try (LogCapture capture = new LogCapture()) {
            log.warn("unknown task '{}'", "n".repeat(10_240));
            assertThat(capture.text()).contains("n".repeat(LogSafe.MAX_LENGTH) + "...(10240 chars)'")
                    .doesNotContain("n".repeat(LogSafe.MAX_LENGTH + 1));
        }
    }
}
