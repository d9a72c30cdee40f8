package dev.tasks.beat.cli;

import dev.tasks.worker.cli.CommandProvider;

/** Adds {@code beat} to the {@code tasks} command. */
public final class BeatCommandProvider implements CommandProvider {
    @Override
    public Object command() {
        return new BeatCommand();
    }
}
