package dev.tasks.worker.cli;

import dev.tasks.ConfigurationException;
import dev.tasks.TaskDefinitionException;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The {@code tasks} command: {@code worker}, {@code inspect}, {@code dlq}, {@code purge}, {@code migrate},
 * {@code run} (process profiles, see {@link RunCommand}), {@code workers}, {@code show}, and
 * subcommands other modules add through {@link CommandProvider} (e.g. {@code beat}). Exit codes are
 * in {@link ExitCodes}. Errors print one line on stderr, never a stack trace (run with
 * {@code TASKS_LOG_LEVEL=DEBUG} to log it).
 */
@CommandLine.Command(name = "tasks", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs and inspects tasks of the tasks queue.",
        subcommands = {WorkerCommand.class, InspectCommand.class, DlqCommand.class, PurgeCommand.class, MigrateCommand.class,
            RevokeCommand.class, RunCommand.class, DashboardCommand.class, WorkersCommand.class, ShowCommand.class,
            CommandLine.HelpCommand.class})
public final class TasksCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command and exits the JVM with its exit code. For the long-running commands ({@code worker},
     * {@code beat}) SIGTERM or SIGINT at any moment from here on ends in exit code 0 (see
     * {@link StartSignals}).
     */
    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("worker") || args[0].equals("beat") || args[0].equals("run"))) {
            StartSignals.install();
        }
        configureLogging();
        System.exit(run(args));
    }

    /** Runs the command with stdout and stderr; returns the exit code (does not exit). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args);
    }

    /** Runs the command writing to the given streams; returns the exit code (does not exit). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The configured command line (for embedding, e.g. a beat command reusing the error handling). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TasksCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(TasksCli::usageError);
        cl.setExecutionExceptionHandler(TasksCli::executionError);
        for (CommandProvider p : java.util.ServiceLoader.load(CommandProvider.class, TasksCli.class.getClassLoader())) {
            Object command = p.command();
            String name = new CommandLine(command).getCommandName();
            if (!cl.getSubcommands().containsKey(name)) {
                cl.addSubcommand(name, command);
            }
        }
        cl.getSubcommands().get("run").setStopAtPositional(true);
        addFooter(cl);
        return cl;
    }

    private static void addFooter(CommandLine cl) {
        java.util.List<String> footer = new java.util.ArrayList<>();
        footer.add("");
        footer.addAll(ExitCodes.HELP);
        cl.getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
        for (CommandLine sub : cl.getSubcommands().values()) {
            addFooter(sub);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: "
                + String.join(", ", spec.commandLine().getSubcommands().keySet()));
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return ExitCodes.USAGE;
    }

    private static int executionError(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        String name = cmd.getCommandSpec().qualifiedName();
        LogSafe.logger(TasksCli.class).debug("{} failed", name, ex);
        String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        if (ex.getCause() != null && ex.getCause().getMessage() != null && !message.contains(ex.getCause().getMessage())) {
            message += ": " + ex.getCause().getMessage();
        }
        cmd.getErr().println(name + ": " + oneLine(message));
        cmd.getErr().flush();
        if (ex instanceof UsageException || ex instanceof ConfigurationException || ex instanceof TaskDefinitionException
                || ex instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.RUNTIME_ERROR;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * Points logback at the CLI's own configuration (stderr, level from {@code TASKS_LOG_LEVEL}) unless the
     * application brings one.
     */
    public static void configureLogging() {
        if (System.getProperty("logback.configurationFile") == null
                && TasksCli.class.getClassLoader().getResource("logback.xml") == null
                && TasksCli.class.getClassLoader().getResource("logback-test.xml") == null) {
            System.setProperty("logback.configurationFile", "dev/tasks/worker/cli/logback-cli.xml");
        }
    }

    /** A refused or invalid request found while running (exit code 2), e.g. a purge without --yes. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
