package dev.tasks.dashboard;

/**
 * Running totals of finished tasks, from which the dashboard charts tasks processed and failed per second.
 * The broker SPI keeps no such totals, so they come from where tasks run: a worker that embeds the
 * dashboard passes its own meters. Without one, the overview shows queue counts over time only.
 *
 * <p>Both methods are called from the dashboard's sampling thread and must be thread-safe and cheap.
 */
public interface Throughput {

    /** Tasks that finished (succeeded or failed for good) since some fixed start; never decreases. */
    long processed();

    /** Tasks that failed (dead-lettered or failed for good) since the same start; never decreases. */
    long failed();
}
