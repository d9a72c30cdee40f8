package dev.tasks.beat.cli;

/** Entry point of the {@code beat} executable: {@code beat --broker redis://... --schedule-file beat.properties}. */
public final class BeatMain {
    private BeatMain() {}

    /**
     * Runs {@link BeatCommand} and exits with its status; a broken installation is one line on stderr too.
     * SIGTERM or SIGINT at any moment from here on ends in status 0 (before the beat runs, at once).
     */
    public static void main(String[] args) {
        dev.tasks.worker.cli.StartSignals.install();
        dev.tasks.worker.cli.TasksCli.configureLogging();
        int status;
        try {
            status = BeatCommand.execute(args);
        } catch (LinkageError e) {
            System.err.println("beat: the class path is incomplete (" + e + "); install the beat with its dependencies");
            status = 70;
        }
        System.exit(status);
    }
}
