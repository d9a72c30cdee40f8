package dev.tasks.beat.cli;

/** Entry point of the {@code beat} executable: {@code beat --broker redis://... --schedule-file beat.properties}. */
public final class BeatMain {
    private BeatMain() {}

    /** Runs {@link BeatCommand} and exits with its status. */
    public static void main(String[] args) {
        System.exit(BeatCommand.execute(args));
    }
}
