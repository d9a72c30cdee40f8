package dev.tasks.dashboard;

import dev.tasks.spi.DeadLetter;

/**
 * A dead letter as the page shows it: the letter and its payload read by {@link PayloadView}.
 *
 * @param letter the dead letter
 * @param payload its payload as shown
 */
record DeadLetterView(DeadLetter letter, PayloadView payload) {

    /** What a masked header value shows. */
    static final String MASK = PayloadView.MASK;

    static DeadLetterView of(DeadLetter d) {
        return new DeadLetterView(d, PayloadView.of(d.payload()));
    }

    /** The envelope's task name, or null when the payload is not an envelope. */
    String taskName() {
        return payload.taskName();
    }

    /** Whether this letter passes the page's filters (substring, case-insensitive; blank matches all). */
    boolean matches(String taskFilter, String reasonFilter) {
        return contains(payload.taskName(), taskFilter) && contains(letter.reason(), reasonFilter);
    }

    private static boolean contains(String value, String filter) {
        if (filter == null || filter.isBlank()) {
            return true;
        }
        return value != null && value.toLowerCase(java.util.Locale.ROOT).contains(filter.strip()
                .toLowerCase(java.util.Locale.ROOT));
    }
}
