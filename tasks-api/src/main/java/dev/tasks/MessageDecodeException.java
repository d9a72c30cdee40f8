package dev.tasks;

/**
 * A message could not be decoded (not JSON, missing required fields, unsupported protocol version).
 * Carries the raw payload so the message can be dead-lettered as it was received.
 */
public class MessageDecodeException extends TasksException {
    private static final long serialVersionUID = 1L;
    private final String rawPayload;

    public MessageDecodeException(String message, String rawPayload, Throwable cause) {
        super(message, cause);
        this.rawPayload = rawPayload;
    }

    /** The payload exactly as received; may be {@code null} if there was none. */
    public String rawPayload() {
        return rawPayload;
    }
}
