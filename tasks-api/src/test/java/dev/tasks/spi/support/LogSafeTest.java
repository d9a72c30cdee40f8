package dev.tasks.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void a_forged_log_line_in_a_task_name_stays_on_one_line() {
        String name = "x\n2026-12-07T02:00:00.000Z ERROR [main] dev.tasks.worker.Worker - FORGED LINE";
        assertThat(LogSafe.escape(name))
                .isEqualTo("x\\n2026-12-07T02:00:00.000Z ERROR [main] dev.tasks.worker.Worker - FORGED LINE");
    }

    @Test
    void control_characters_separators_bidi_marks_and_lone_surrogates_are_shown_as_escapes() {
        assertThat(LogSafe.escape("a\r\n\tb\u0000c\u001b[31md\u007f\u0085\u009b"))
                .isEqualTo("a\\r\\n\\tb\\u0000c\\u001b[31md\\u007f\\u0085\\u009b");
        assertThat(LogSafe.escape("l\u2028p\u2029r\u202eo\u2066\u200f")).isEqualTo("l\\u2028p\\u2029r\\u202eo\\u2066\\u200f");
        assertThat(LogSafe.escape("hi\ud800lo\udc00")).isEqualTo("hi\\ud800lo\\udc00");
    }

    @Test
    void printable_text_and_surrogate_pairs_pass_unchanged() {
        String s = "orders.send é 漢字 \ud83d\ude00 back\\slash {}";
        assertThat(LogSafe.escape(s)).isSameAs(s);
    }

    @Test
    void a_long_value_is_cut_and_shows_its_length() {
        String s = "n".repeat(10_240);
        String e = LogSafe.escape(s);
        assertThat(e).startsWith("n".repeat(LogSafe.MAX_LENGTH)).endsWith("...(10240 chars)");
        assertThat(e).hasSize(LogSafe.MAX_LENGTH + "...(10240 chars)".length());
        assertThat(LogSafe.escape("abc\u0000def", 4)).isEqualTo("abc\\u0000...(7 chars)");
    }

    @Test
    void null_and_arrays_are_written_as_text() {
        assertThat(LogSafe.escape(null)).isEqualTo("null");
        assertThat(LogSafe.escape(new Object[] {"a\nb", 1})).isEqualTo("[a\\nb, 1]");
    }
}
