package dev.tasks.spi.support;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Stands in, in a log event, for an exception whose message (or a cause's or suppressed exception's) holds a
 * character {@link LogSafe#escape(Object)} would change: its message is {@code OriginalClass: escaped
 * message}, its stack trace the original's, its causes and suppressed exceptions likewise replaced. So a
 * logged stack trace stays the only multi-line part of an event and cannot forge a log line.
 */
final class EscapedThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private EscapedThrowable(String message, Throwable cause) {
        super(message, cause, true, true);
    }

    /** {@code t} itself when nothing in its chain needs escaping, else an escaped copy of the chain. */
    static Throwable of(Throwable t) {
        if (t == null || !needsEscape(t, new IdentityHashMap<>())) {
            return t;
        }
        return copy(t, new IdentityHashMap<>());
    }

    private static boolean needsEscape(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, true) != null) {
            return false;
        }
        String m = t.getMessage();
        if (m != null && (LogSafe.hasUnsafeCharacter(m) || m.length() > LogSafe.MAX_LENGTH)) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (needsEscape(s, seen)) {
                return true;
            }
        }
        return needsEscape(t.getCause(), seen);
    }

    private static Throwable copy(Throwable t, Map<Throwable, Throwable> done) {
        Throwable known = done.get(t);
        if (known != null) {
            return known;
        }
        done.put(t, t); // in progress: a cause cycle ends here
        Throwable cause = t.getCause() == null || done.containsKey(t.getCause()) ? null : copy(t.getCause(), done);
        String m = t.getMessage();
        EscapedThrowable e = new EscapedThrowable(
                t.getClass().getName() + (m == null ? "" : ": " + LogSafe.escape(m)), cause);
        done.put(t, e);
        e.setStackTrace(t.getStackTrace());
        for (Throwable s : t.getSuppressed()) {
            if (!done.containsKey(s)) {
                e.addSuppressed(copy(s, done));
            }
        }
        return e;
    }
}
