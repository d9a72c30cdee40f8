package dev.tasks;

/** A run was abandoned because it passed its hard time limit. Recorded as the run's failure. */
public class TimeLimitExceeded extends TasksException {
    private static final long serialVersionUID = 1L;

    public TimeLimitExceeded(String message) {
        super(message);
    }
}
