package dev.tasks.spi.support;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes text that came from a message (task names, ids, header values, payload snippets, exception
 * messages quoting them) safe to log: one event stays one line, and no raw control character reaches the
 * log. Thread-safe; stateless.
 *
 * <p>{@link #escape(Object)} shows CR, LF and tab as {@code \r}, {@code \n}, {@code \t}, every other C0
 * and C1 control character (NUL, ESC, DEL, ...), the Unicode line and paragraph separators, bidirectional
 * formatting marks (which can make a line read backwards) and unpaired surrogates as {@code \}{@code uXXXX};
 * a value longer than {@value #MAX_LENGTH} characters is cut and ends with {@code ...(N chars)}. Backslashes
 * are left as they are.
 *
 * <p>{@link #logger(Class)} is the logger every class of the framework that may log message-derived text
 * uses: it passes each argument, the message pattern and the messages of a logged exception through
 * {@link #escape(Object)} before the logging backend sees them, so no call site can forget to.
 */
public final class LogSafe {
    /** Longest value logged in full; longer ones are cut and show their length. */
    public static final int MAX_LENGTH = 2000;

    private LogSafe() {}

    /** A logger named after {@code type} that escapes everything it logs (see the class comment). */
    public static Logger logger(Class<?> type) {
        return new EscapingLogger(LoggerFactory.getLogger(type));
    }

    /** {@code value} as text safe for a log line, cut at {@value #MAX_LENGTH} characters; "null" for null. */
    public static String escape(Object value) {
        return escape(value, MAX_LENGTH);
    }

    /** {@code value} as text safe for a log line, cut at {@code max} characters; "null" for null. */
    public static String escape(Object value, int max) {
        String s = text(value);
        int n = s.length();
        int i = 0;
        while (i < n && i < max && !needsEscape(s, i)) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(Math.min(n, max) + 16).append(s, 0, i);
        for (; i < n && i < max; i++) {
            char c = s.charAt(i);
            if (!needsEscape(s, i)) {
                sb.append(c);
                if (Character.isHighSurrogate(c) && i + 1 < n) {
                    sb.append(s.charAt(++i));
                }
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else {
                sb.append("\\u").append(String.format("%04x", (int) c));
            }
        }
        if (i < n) {
            sb.append("...(").append(n).append(" chars)");
        }
        return sb.toString();
    }

    /** Whether {@code s} holds a character {@link #escape(Object)} would change (length aside). */
    public static boolean hasUnsafeCharacter(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (needsEscape(s, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean needsEscape(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            return true;
        }
        if (c < 0x200e) {
            return false;
        }
        if (c == 0x200e || c == 0x200f || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069)) {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    private static String text(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Object[] array) {
            return Arrays.deepToString(array);
        }
        return value.toString();
    }
}
