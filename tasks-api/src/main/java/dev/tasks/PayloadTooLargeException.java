package dev.tasks;

/** The encoded task exceeds the configured maximum payload size; nothing was published. */
public class PayloadTooLargeException extends EnqueueException {
    private static final long serialVersionUID = 1L;
    private final int size;
    private final int limit;

    public PayloadTooLargeException(String taskName, int size, int limit) {
        super(taskName, "task " + taskName + " encodes to " + size + " bytes, over the limit of " + limit
                + " bytes (Tasks.Builder.maxPayloadBytes); pass a reference (an id, a URL) instead of the data");
        this.size = size;
        this.limit = limit;
    }

    /** The encoded size in bytes. */
    public int size() {
        return size;
    }

    /** The configured limit in bytes. */
    public int limit() {
        return limit;
    }
}
