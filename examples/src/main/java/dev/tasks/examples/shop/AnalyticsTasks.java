package dev.tasks.examples.shop;

import dev.tasks.Task;
import dev.tasks.TaskModule;
import java.time.LocalDate;

/** Tasks of the analytics module; the shop's routes send them to {@code analytics_low_priority}. */
@TaskModule("analytics")
public interface AnalyticsTasks {

    /** Records a business event. */
    @Task(maxRetries = 1)
    void track(String event, long orderId);

    /**
     * Builds the daily sales report. Long: a soft limit lets it mark the report "timeout" and re-raise
     * before the hard limit abandons it.
     */
    @Task(maxRetries = 0, softTimeLimit = "PT2S", timeLimit = "PT10S")
    void nightlyReport(LocalDate day);

    /** Builds the report of the day before, in UTC; what beat runs every night. */
    @Task(maxRetries = 0, softTimeLimit = "PT2S", timeLimit = "PT10S")
    void yesterdaysReport();

    /** Deletes old tracking rows. */
    @Task(maxRetries = 2)
    void cleanup();
}
