package dev.tasks.spi.support;

import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * A logger that passes the message pattern, every argument and the messages of a logged exception through
 * {@link LogSafe#escape(Object)}, then hands the event to the real logger (keeping the caller's class and
 * line for backends that show them). Numbers and booleans pass unchanged. Thread-safe.
 */
final class EscapingLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    /** Frames of this class name (and of SLF4J) are skipped when the backend looks for the caller. */
    private static final String FQCN = AbstractLogger.class.getName();

    private final transient Logger delegate;

    EscapingLogger(Logger delegate) {
        this.delegate = delegate;
        this.name = delegate.getName();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return FQCN;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
            Throwable throwable) {
        Object[] args = arguments;
        Throwable t = throwable;
        if (t == null && args != null && args.length > 0 && args[args.length - 1] instanceof Throwable last) {
            // as SLF4J and logback do: a trailing exception is the event's exception
            t = last;
            args = java.util.Arrays.copyOf(args, args.length - 1);
        }
        Object[] safe = null;
        if (args != null) {
            safe = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                safe[i] = a instanceof Number || a instanceof Boolean ? a : LogSafe.escape(a);
            }
        }
        String safePattern = pattern == null ? null : LogSafe.escape(pattern, Integer.MAX_VALUE);
        Throwable safeThrowable = EscapedThrowable.of(t);
        if (delegate instanceof LocationAwareLogger location) {
            location.log(marker, FQCN, level.toInt(), safePattern, safe, safeThrowable);
        } else {
            org.slf4j.spi.LoggingEventBuilder b = delegate.atLevel(level).setCause(safeThrowable);
            if (marker != null) {
                b = b.addMarker(marker);
            }
            b.log(safePattern, safe == null ? new Object[0] : safe);
        }
    }

    @Override
    public boolean isTraceEnabled() {
        return delegate.isTraceEnabled();
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return delegate.isTraceEnabled(marker);
    }

    @Override
    public boolean isDebugEnabled() {
        return delegate.isDebugEnabled();
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return delegate.isDebugEnabled(marker);
    }

    @Override
    public boolean isInfoEnabled() {
        return delegate.isInfoEnabled();
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return delegate.isInfoEnabled(marker);
    }

    @Override
    public boolean isWarnEnabled() {
        return delegate.isWarnEnabled();
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return delegate.isWarnEnabled(marker);
    }

    @Override
    public boolean isErrorEnabled() {
        return delegate.isErrorEnabled();
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return delegate.isErrorEnabled(marker);
    }
}
