package dev.tasks.examples;

import dev.tasks.beat.cli.BeatMain;
import dev.tasks.worker.cli.TasksCli;
import dev.tasks.worker.cli.WorkerMain;
import java.util.Arrays;

/**
 * Entry point of the shop example's jar: {@code demo}, {@code produce N}, and the framework's own commands
 * ({@code worker}, {@code beat}, {@code tasks ...}) with the shop's tasks on the class path.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "demo" -> {
                int n = rest.length > 0 ? parseCount(rest[0]) : 60;
                boolean ansi = System.console() != null && !"dumb".equals(System.getenv("TERM"))
                        && System.getenv("NO_COLOR") == null;
                java.nio.file.Files.createDirectories(java.nio.file.Path.of(".tasks"));
                DemoLogging.toFile(java.nio.file.Path.of(".tasks", "demo.log"));
                int status;
                try {
                    status = new Demo(System.out, ansi, n).run();
                } catch (dev.tasks.TasksException e) {
                    System.err.println("demo: " + e.getMessage());
                    status = 1;
                }
                System.exit(status);
            }
            case "produce" -> System.exit(Produce.run(rest, System.out, System.err));
            case "worker" -> WorkerMain.main(rest);
            case "beat" -> BeatMain.main(rest);
            case "tasks" -> TasksCli.main(rest);
            default -> {
                System.out.println("""
                        usage: java -jar tasks-shop.jar COMMAND [ARGS]
                          demo [N]              place N orders (default 60) and watch two in-process workers run them
                          produce N             place N orders (for separately started workers)
                          worker -Q QUEUES -c N run a worker (see: worker --help)
                          beat                  run the periodic scheduler (see: beat --help)
                          tasks ...             inspect, dlq, purge, migrate (see: tasks --help)""");
                System.exit("help".equals(command) || "--help".equals(command) ? 0 : 2);
            }
        }
    }

    static int parseCount(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 1_000_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            System.err.println("error: the order count must be a number from 1 to 1000000, was '" + s + "'");
            System.exit(2);
            return 0;
        }
    }
}
