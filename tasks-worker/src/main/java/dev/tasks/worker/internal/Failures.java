package dev.tasks.worker.internal;

import java.util.IdentityHashMap;
import java.util.Map;

/** One-line descriptions of failures, for dead-letter reasons and stored errors. */
final class Failures {
    static final int TOP_FRAMES = 8;
    static final int CAUSE_FRAMES = 3;
    static final int MAX_LENGTH = 4000;

    private Failures() {}

    /** {@code ExceptionClass: message}, on one line. */
    static String summary(Throwable t) {
        String msg = t.getMessage();
        return oneLine(t.getClass().getName() + (msg == null ? "" : ": " + msg));
    }

    /** The summary, a few frames, and the causes with a few frames each; one line, bounded in length. */
    static String withTrace(Throwable t) {
        StringBuilder sb = new StringBuilder(summary(t));
        appendFrames(sb, t, TOP_FRAMES);
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        seen.put(t, true);
        Throwable cause = t.getCause();
        while (cause != null && seen.put(cause, true) == null && sb.length() < MAX_LENGTH) {
            sb.append("; caused by: ").append(summary(cause));
            appendFrames(sb, cause, CAUSE_FRAMES);
            cause = cause.getCause();
        }
        return sb.length() <= MAX_LENGTH ? sb.toString() : sb.substring(0, MAX_LENGTH - 3) + "...";
    }

    private static void appendFrames(StringBuilder sb, Throwable t, int max) {
        StackTraceElement[] frames = t.getStackTrace();
        int n = Math.min(max, frames.length);
        for (int i = 0; i < n; i++) {
            sb.append("; at ").append(frames[i]);
        }
        if (frames.length > n) {
            sb.append("; ... ").append(frames.length - n).append(" more");
        }
    }

    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ");
    }
}
