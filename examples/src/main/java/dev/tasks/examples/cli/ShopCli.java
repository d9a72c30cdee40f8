package dev.tasks.examples.cli;

import dev.tasks.examples.Main;

/** The shop jar's entry point: runs {@link Main} and exits with its status. */
public final class ShopCli {
    private ShopCli() {}

    /** Runs the command; SIGTERM during the start of {@code worker} or {@code beat} exits 0. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("worker") || args[0].equals("beat"))) {
            dev.tasks.worker.cli.StartSignals.install();
        }
        System.exit(Main.run(args));
    }
}
