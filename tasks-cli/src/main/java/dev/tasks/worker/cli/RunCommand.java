package dev.tasks.worker.cli;

import dev.tasks.TasksConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * {@code tasks run <profile> [args...]}: runs a process profile, a named command line declared in the
 * configuration as {@code tasks.process.<name>=<command> [flags...]} (e.g.
 * {@code tasks.process.orders-worker=worker -Q orders -c 4}). The profile's command line, followed by the
 * extra arguments, is run by a fresh {@code tasks} command line in this JVM, so any subcommand works
 * (including those added through {@link CommandProvider}, e.g. {@code beat}) with its own exit code. The
 * profiles and the broker URL come from the same configuration ({@code tasks.properties}, {@code TASKS_CONFIG},
 * or {@code --config}, which is passed on to the profile's command when that command takes one), so one
 * {@code tasks.broker.url} switches the broker for every profile. {@code --list} prints each profile's name
 * and command line. An unknown profile, a profile with a bad name, an empty command line or one naming an
 * unknown command is a one-line usage error (exit code 2).
 */
@CommandLine.Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs a process profile: a command line named in the configuration as "
                + "tasks.process.<name>=<command> [flags...]. Arguments after the name are appended.")
final class RunCommand implements Callable<Integer> {
    /** The prefix of profile settings. */
    static final String PREFIX = "tasks.process.";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--list", description = "Print each profile's name and command line.")
    boolean list;

    @CommandLine.Option(names = "--config", paramLabel = "FILE",
            description = "Properties file to read instead of ./tasks.properties (or TASKS_CONFIG); passed on to "
                    + "the profile's command.")
    Path configFile;

    @CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "PROFILE", description = "The profile to run.")
    String profile;

    @CommandLine.Parameters(index = "1..*", paramLabel = "ARG",
            description = "Appended to the profile's command line.")
    List<String> extra = new ArrayList<>();

    @Override
    public Integer call() {
        TasksConfig.Builder b = TasksConfig.builder();
        if (configFile != null) {
            b.file(configFile);
        }
        TasksConfig config = b.build();
        SortedMap<String, String> profiles = config.withPrefix(PREFIX);
        String where = config.file().map(Path::toString).orElse("no " + TasksConfig.DEFAULT_FILE + " found");
        if (list) {
            if (profile != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--list takes no profile name");
            }
            profiles.forEach((name, line) -> spec.commandLine().getOut().println(name + "\t" + line.strip()));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        if (profile == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a profile name is required; "
                    + known(profiles, where));
        }
        if (!NAME.matcher(profile).matches()) {
            throw new TasksCli.UsageException("bad profile name '" + printable(profile)
                    + "': letters, digits, '_', '-' and '.'; " + known(profiles, where));
        }
        String line = profiles.get(profile);
        if (line == null) {
            throw new TasksCli.UsageException("unknown profile '" + profile + "'; " + known(profiles, where));
        }
        List<String> args = new ArrayList<>(words(line));
        if (args.isEmpty()) {
            throw new TasksCli.UsageException("profile '" + profile + "' has an empty command line (" + PREFIX
                    + profile + " in " + where + ")");
        }
        CommandLine target = TasksCli.commandLine();
        CommandLine sub = target.getSubcommands().get(args.get(0));
        if (sub == null || args.get(0).equals("run") || sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
            throw new TasksCli.UsageException("profile '" + profile + "' names unknown command '"
                    + printable(args.get(0)) + "' (" + PREFIX + profile + " in " + where + "); commands: "
                    + String.join(", ", commands(target)));
        }
        if (configFile != null && sub.getCommandSpec().findOption("--config") != null && !args.contains("--config")) {
            args.add("--config");
            args.add(configFile.toString());
        }
        args.addAll(extra);
        target.setOut(spec.commandLine().getOut());
        target.setErr(spec.commandLine().getErr());
        return target.execute(args.toArray(new String[0]));
    }

    /** The command line split at whitespace (no quoting: flags of the tasks commands need none). */
    static List<String> words(String line) {
        String s = line.strip();
        return s.isEmpty() ? List.of() : Arrays.asList(s.split("\\s+"));
    }

    private static List<String> commands(CommandLine cl) {
        List<String> names = new ArrayList<>(cl.getSubcommands().keySet());
        names.remove("run");
        names.remove("help");
        return names;
    }

    private static String known(SortedMap<String, String> profiles, String where) {
        return profiles.isEmpty()
                ? "no profiles are configured (" + PREFIX + "<name>=<command> in " + where + ")"
                : "known profiles: " + String.join(", ", profiles.keySet()) + " (from " + where + ")";
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
