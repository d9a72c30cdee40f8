package dev.tasks.examples;

import dev.tasks.TasksException;
import dev.tasks.beat.cli.BeatCommand;
import dev.tasks.worker.cli.TasksCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The commands of the shop example's jar: {@code demo}, {@code produce N}, and the framework's own commands
 * ({@code worker}, {@code beat}, {@code tasks ...}) with the shop's tasks on the class path.
 */
public final class Main {
    private Main() {}

    /** Runs a command and returns its exit status (0 ok, 1 failure, 2 usage). */
    public static int run(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            switch (command) {
                case "demo" -> {
                    int n = rest.length > 0 ? parseCount(rest[0]) : 60;
                    boolean ansi = System.console() != null && !"dumb".equals(System.getenv("TERM"))
                            && System.getenv("NO_COLOR") == null;
                    Files.createDirectories(Path.of(".tasks"));
                    DemoLogging.toFile(Path.of(".tasks", "demo.log"));
                    try {
                        return new Demo(System.out, ansi, n).run();
                    } catch (TasksException e) {
                        System.err.println("demo: " + e.getMessage());
                        return 1;
                    }
                }
                case "produce" -> {
                    TasksCli.configureLogging();
                    return Produce.run(rest, System.out, System.err);
                }
                case "worker" -> {
                    TasksCli.configureLogging();
                    return TasksCli.run(prepend("worker", rest));
                }
                case "beat" -> {
                    TasksCli.configureLogging();
                    return BeatCommand.execute(rest);
                }
                case "tasks" -> {
                    TasksCli.configureLogging();
                    return TasksCli.run(rest);
                }
                default -> {
                    System.out.println("""
                            usage: java -jar tasks-shop.jar COMMAND [ARGS]
                              demo [N]              place N orders (default 60) and watch two in-process workers run them
                              produce N             place N orders (for separately started workers)
                              worker -Q QUEUES -c N run a worker (see: worker --help)
                              beat                  run the periodic scheduler (see: beat --help)
                              tasks ...             inspect, dlq, purge, migrate, revoke (see: tasks --help)""");
                    return "help".equals(command) || "--help".equals(command) ? 0 : 2;
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }

    static int parseCount(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= 1_000_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("the order count must be a number from 1 to 1000000, was '" + s + "'");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
