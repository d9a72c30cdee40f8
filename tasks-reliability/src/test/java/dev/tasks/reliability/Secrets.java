package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.UUID;

/** Secrets for a test, and the check that a text or an exception never shows them. */
final class Secrets {
    private Secrets() {}

    /** A fresh secret, distinctive enough that finding it anywhere means it leaked. */
    static String fresh(String label) {
        return label + "-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Asserts that {@code text} contains none of the secrets (nor their percent-encoded forms). */
    static void assertNotIn(String where, String text, String... secrets) {
        for (String s : secrets) {
            assertThat(text).as("%s shows a secret", where).doesNotContain(s)
                    .doesNotContain(java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Asserts that an exception, its causes, suppressed exceptions and stack trace show none of the secrets. */
    static void assertNotIn(Throwable t, String... secrets) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        assertNotIn("exception " + t, w.toString(), secrets);
    }
}
