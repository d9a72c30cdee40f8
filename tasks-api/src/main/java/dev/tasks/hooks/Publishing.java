package dev.tasks.hooks;

/**
 * One task being published, as a {@link PublishInterceptor} sees it: what it is, and its headers, to which
 * the interceptor may add. Headers added here are encoded into the message, travel with it through the
 * broker and are seen by the worker's {@link RunInterceptor}s and by the task ({@code TaskContext.headers()}).
 * Valid only during {@link PublishInterceptor#aroundPublish}; not thread-safe.
 */
public interface Publishing extends TaskInfo {

    /**
     * Sets a header (replacing a value set by the caller's options or an earlier interceptor).
     *
     * @return this, for chaining
     * @throws IllegalArgumentException when the name is empty or the value is null
     * @throws IllegalStateException when called after {@link PublishInterceptor#aroundPublish} returned
     */
    Publishing header(String name, String value);
}
