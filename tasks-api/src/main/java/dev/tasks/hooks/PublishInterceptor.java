package dev.tasks.hooks;

/**
 * Wraps the publish of each task by a producer ({@code delay}, {@code send}, {@code sendAll}, {@code
 * delayOnCommit}, the first tasks of a workflow) and by a worker (the next steps of a workflow, started when
 * a step succeeds, inside the run of that step). Typical uses: add a tenant id or a trace context to the
 * headers; time or count publishes.
 *
 * <p>Guarantees: called once per task published, on the publishing thread, before the message is encoded,
 * in registration order (the first registered is the outermost: it runs first, and its {@link After} runs
 * last). The returned {@link After} runs once the broker accepted (or refused) the message; for a batch
 * ({@code sendAll}, a workflow's first tasks) every task's interceptors run before the one broker call, and
 * every {@code After} after it. For {@code delayOnCommit} inside a transaction, {@code aroundPublish} runs
 * when {@code delayOnCommit} is called and its {@code After} once the task is handed to the transaction
 * (written in it, or registered to be sent after commit). Retries of a task are not publishes: a retry
 * carries the headers of the first publish unchanged.
 *
 * <p>Throwing from {@code aroundPublish} is deliberate: the publish is aborted (nothing of the call is sent,
 * the {@code After}s of the interceptors already entered see the exception) and the exception reaches the
 * caller. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PublishInterceptor {

    /**
     * Called before the task is encoded; may add headers.
     *
     * @return what to do after the publish: {@link After#NOTHING} when nothing
     */
    After aroundPublish(Publishing task);
}
