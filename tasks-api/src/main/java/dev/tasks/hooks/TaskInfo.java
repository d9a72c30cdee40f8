package dev.tasks.hooks;

import java.util.Map;

/**
 * What a hook sees of one task: its id, name, queue and headers. Implementations are views owned by the
 * framework, valid for the duration of the hook call (a listener or interceptor that keeps one for later sees
 * the values as they were). Not meant to be implemented by users.
 */
public interface TaskInfo {

    /** The task's id (the message id on the broker). */
    String taskId();

    /** The task's name, e.g. {@code orders.charge}. */
    String taskName();

    /** The queue the task is published to or was fetched from. */
    String queue();

    /** The task's headers: an unmodifiable map, never null. */
    Map<String, String> headers();
}
