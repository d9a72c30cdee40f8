package dev.tasks.examples.cli;

import dev.tasks.examples.Main;

/** The shop jar's entry point: runs {@link Main} and exits with its status. */
public final class ShopCli {
    private ShopCli() {}

    public static void main(String[] args) throws Exception {
        System.exit(Main.run(args));
    }
}
