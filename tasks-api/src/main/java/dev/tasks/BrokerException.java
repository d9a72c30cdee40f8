package dev.tasks;

/**
 * A broker operation failed (connection lost, server error). The cause is the driver's exception.
 * Whether the operation took effect is unknown unless the message says otherwise; callers retry.
 */
public class BrokerException extends TasksException {
    private static final long serialVersionUID = 1L;

    public BrokerException(String message) {
        super(message);
    }

    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }
}
