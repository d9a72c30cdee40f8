package dev.tasks.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.beat.ScheduleConfig;
import dev.tasks.beat.cli.BeatCommand;
import dev.tasks.worker.cli.TasksCli;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The non-Java blocks of the user guide and the README: every command line that runs {@code worker},
 * {@code tasks} or {@code beat} uses only flags that the command's {@code --help} lists, and every
 * properties block parses and names only keys that something reads.
 */
class DocsBlocksTest {
    private static final Set<String> WORKER = Set.of("worker", "./bin/worker", "bin/worker");
    private static final String DIST_BIN = "tasks-cli-[^/]*/bin/";
    private static final Set<String> TASKS = Set.of("tasks", "./bin/tasks", "bin/tasks");
    private static final Set<String> BEAT = Set.of("beat", "./bin/beat", "bin/beat");
    private static final Set<String> PLAIN_KEYS = Set.of("tasks.broker.url", "tasks.broker.password",
            "tasks.broker.password.file", "tasks.routes");

    @Test
    void command_lines_use_only_flags_the_commands_list() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (DocBlocks page : pages()) {
            for (DocBlocks.Block block : page.blocks()) {
                if (!List.of("", "sh", "bash", "shell", "ini", "yaml").contains(block.language())) {
                    continue;
                }
                for (String line : block.text().lines().toList()) {
                    List<String> args = commandArgs(line);
                    if (args == null) {
                        continue;
                    }
                    checked++;
                    String problem = unknownFlags(args);
                    if (problem != null) {
                        wrong.add(page.where(block) + ": " + line.strip() + " -> " + problem);
                    }
                }
            }
        }
        assertThat(checked).as("command lines found").isGreaterThan(10);
        assertThat(wrong).as("command lines with flags their --help does not list").isEmpty();
    }

    @Test
    void properties_blocks_parse_and_name_known_keys() throws IOException {
        String brokersPage = Files.readString(DocBlocks.docsDirectory().resolve("brokers.md"), StandardCharsets.UTF_8);
        Set<String> workerKeys = longOptionKeys(TasksCli.commandLine().getSubcommands().get("worker"));
        workerKeys.add("id");
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (DocBlocks page : pages()) {
            for (DocBlocks.Block block : page.blocks()) {
                if (!block.language().equals("properties")) {
                    continue;
                }
                Properties properties = new Properties();
                properties.load(new StringReader(block.text()));
                for (String key : properties.stringPropertyNames()) {
                    checked++;
                    boolean known = PLAIN_KEYS.contains(key)
                            || key.startsWith(ScheduleConfig.PREFIX)
                            || key.startsWith("tasks.process.") && profileProblem(properties.getProperty(key)) == null
                            || key.startsWith("tasks.worker.") && workerKeys.contains(key.substring("tasks.worker.".length()))
                            || (key.startsWith("tasks.redis.") || key.startsWith("tasks.jdbc."))
                                    && brokersPage.contains("| `" + key + "` |");
                    if (!known) {
                        wrong.add(page.where(block) + ": " + key);
                    }
                }
                try {
                    ScheduleConfig.parse(properties, page.where(block));
                } catch (RuntimeException e) {
                    wrong.add(page.where(block) + ": " + e.getMessage());
                }
            }
        }
        assertThat(checked).as("properties found").isGreaterThan(10);
        assertThat(wrong).as("unknown keys or schedules that do not parse").isEmpty();
    }

    private static List<DocBlocks> pages() throws IOException {
        List<DocBlocks> pages = new ArrayList<>(DocBlocks.all());
        pages.add(DocBlocks.read(DocBlocks.projectRoot().resolve("README.md")));
        return pages;
    }

    /** The arguments of a line that runs one of the commands, starting with "worker", "tasks" or "beat"; else null. */
    static List<String> commandArgs(String line) {
        String text = line.strip();
        if (text.startsWith("ExecStart=")) {
            text = text.substring("ExecStart=".length());
        }
        int comment = text.indexOf(" #");
        if (comment >= 0) {
            text = text.substring(0, comment);
        }
        text = text.replaceAll("\\s*&$", "");
        List<String> tokens = new ArrayList<>(Arrays.asList(text.split("\\s+")));
        if (tokens.isEmpty()) {
            return null;
        }
        String first = tokens.get(0).replaceFirst("^" + DIST_BIN, "bin/");
        if (first.equals("java") || first.endsWith("/java")) {
            for (int i = 1; i < tokens.size(); i++) {
                String main = tokens.get(i);
                String name = main.endsWith("WorkerMain") ? "worker" : main.endsWith("TasksCli") ? "tasks"
                        : main.endsWith("BeatMain") ? "beat" : null;
                if (name != null && main.startsWith("dev.tasks.")) {
                    List<String> args = new ArrayList<>(tokens.subList(i + 1, tokens.size()));
                    args.add(0, name);
                    return args;
                }
            }
            return null;
        }
        String name = WORKER.contains(first) ? "worker" : TASKS.contains(first) ? "tasks" : BEAT.contains(first) ? "beat"
                : null;
        if (name == null || tokens.size() > 1 && tokens.get(1).startsWith("=")) {
            return null;
        }
        tokens.set(0, name);
        int appJar;
        while ((appJar = tokens.indexOf("--app-jar")) > 0) { // taken by the distribution's scripts
            tokens.subList(appJar, Math.min(appJar + 2, tokens.size())).clear();
        }
        return tokens;
    }

    /** Null when every flag of these arguments is an option of the command they name; else what is wrong. */
    static String unknownFlags(List<String> args) {
        CommandLine command = switch (args.get(0)) {
            case "worker" -> TasksCli.commandLine().getSubcommands().get("worker");
            case "beat" -> BeatCommand.commandLine(new BeatCommand());
            default -> TasksCli.commandLine();
        };
        int i = 1;
        while (i < args.size() && command.getSubcommands().containsKey(args.get(i))) {
            command = command.getSubcommands().get(args.get(i));
            i++;
        }
        Set<String> unknown = new TreeSet<>();
        for (String arg : args.subList(i, args.size())) {
            if (command.getCommandName().equals("run") && !arg.startsWith("-")) {
                break; // a profile name: what follows is appended to the profile's command line
            }
            if (arg.startsWith("-") && arg.length() > 1 && !Character.isDigit(arg.charAt(1))) {
                String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                if (!command.getCommandSpec().optionsMap().containsKey(flag)) {
                    unknown.add(flag);
                }
            }
        }
        return unknown.isEmpty() ? null : "'" + command.getCommandName() + "' has no " + unknown;
    }

    /** Null when a process profile's command line names a command and only its flags; else what is wrong. */
    static String profileProblem(String commandLine) {
        List<String> args = new ArrayList<>(Arrays.asList(commandLine.strip().split("\\s+")));
        if (!TasksCli.commandLine().getSubcommands().containsKey(args.get(0))) {
            return "no command '" + args.get(0) + "'";
        }
        args.add(0, "tasks");
        return unknownFlags(args);
    }

    private static Set<String> longOptionKeys(CommandLine command) {
        Set<String> keys = new TreeSet<>();
        for (String name : command.getCommandSpec().optionsMap().keySet()) {
            if (name.startsWith("--")) {
                StringBuilder camel = new StringBuilder();
                boolean upper = false;
                for (char c : name.substring(2).toCharArray()) {
                    if (c == '-') {
                        upper = true;
                    } else {
                        camel.append(upper ? Character.toUpperCase(c) : c);
                        upper = false;
                    }
                }
                keys.add(camel.toString());
            }
        }
        return keys;
    }

    @Test
    void recognises_command_lines() {
        assertThat(commandArgs("./bin/worker -Q a,b -c 4    # a worker")).containsExactly("worker", "-Q", "a,b", "-c", "4");
        assertThat(commandArgs("java -cp \"x:lib/*\" dev.tasks.worker.cli.WorkerMain --grace 60s"))
                .containsExactly("worker", "--grace", "60s");
        assertThat(commandArgs("export TASKS_BROKER_URL=redis://x")).isNull();
        assertThat(unknownFlags(List.of("worker", "--no-such-flag"))).contains("--no-such-flag");
        assertThat(unknownFlags(List.of("tasks", "dlq", "list", "-Q", "q", "--limit", "10"))).isNull();
        assertThat(unknownFlags(List.of("beat", "--schedule-file", "x", "--nope=1"))).contains("--nope");
        assertThat(unknownFlags(List.of("tasks", "run", "orders-worker", "--broker-wait", "2m"))).isNull();
        assertThat(commandArgs("tasks-cli-1/bin/worker -Q q --app-jar app.jar -c 2")).containsExactly("worker", "-Q", "q", "-c", "2");
        assertThat(profileProblem("worker -Q orders -c 4")).isNull();
        assertThat(profileProblem("worker --nope")).contains("--nope");
        assertThat(profileProblem("wroker -Q orders")).contains("wroker");
    }
}
