package dev.tasks.jdbc;

/**
 * Makes text fit a column: PostgreSQL's {@code text} and {@code varchar} cannot hold NUL (the whole
 * statement fails with "invalid byte sequence"), and a {@code varchar(n)} refuses longer values. A value
 * that came from a message is therefore stored with each NUL shown as {@code \u0000} and, if still too
 * long, cut with a marker giving its length, so the write succeeds instead of failing again on every
 * redelivery.
 */
final class Columns {
    private Columns() {}

    /** {@code value} with NUL shown as {@code \u0000}; null stays null. */
    static String text(String value) {
        return value == null || value.indexOf('\u0000') < 0 ? value : value.replace("\u0000", "\\u0000");
    }

    /** {@link #text(String)}, cut to at most {@code width} characters ending in {@code ...(N chars)}. */
    static String fit(String value, int width) {
        String s = text(value);
        if (s == null || s.length() <= width) {
            return s;
        }
        String marker = "...(" + s.length() + " chars)";
        int keep = Math.max(0, width - marker.length());
        if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
            keep--;
        }
        return s.substring(0, keep) + marker;
    }
}
