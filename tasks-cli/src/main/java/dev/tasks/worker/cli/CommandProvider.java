package dev.tasks.worker.cli;

/**
 * Adds a subcommand to {@code tasks} (e.g. {@code beat}, {@code migrate}) from another module. Listed in
 * {@code META-INF/services/dev.tasks.worker.cli.CommandProvider}; the command gets the CLI's error
 * handling and exit codes.
 */
public interface CommandProvider {

    /** A new instance of a picocli {@code @Command}-annotated class. */
    Object command();
}
