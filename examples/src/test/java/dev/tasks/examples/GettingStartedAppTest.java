package dev.tasks.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the application of docs/getting-started.md ("Your first task") the way a new user does: a fresh
 * directory with the page's {@code pom.xml}, Java files, {@code META-INF/services} entry and
 * {@code tasks.properties}, built by Maven with the page's command and run with the page's
 * {@code java -cp ...} lines: the worker must run both greetings that the producer enqueues, and exit 0 on
 * SIGTERM.
 *
 * <p>Maven runs offline (online, into the private repository only, if a plugin the page's build uses is
 * missing from the user's repository). The {@code dev.tasks} artifacts of this build are put, as jars made from the
 * modules' {@code target/classes}, into a private local repository under the test's temporary directory;
 * everything else is read from the user's local repository, which is chained behind it read-only
 * ({@code maven.repo.local.tail}), so nothing is ever written to it.
 */
class GettingStartedAppTest {
    private static final List<String> MODULES = List.of("tasks-api", "tasks-broker-jdbc", "tasks-broker-redis",
            "tasks-worker", "tasks-beat", "tasks-cli");
    private static final Pattern TYPE = Pattern.compile("(?m)^public (?:final )?(?:class|interface|record|enum) (\\w+)");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
    private static final Pattern SERVICES = Pattern.compile("src/main/resources/META-INF/services/[\\w.]+");

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void the_first_task_section_builds_and_runs_verbatim() throws Exception {
        Path root = DocBlocks.projectRoot();
        DocBlocks page = DocBlocks.read(root.resolve("docs").resolve("getting-started.md"));
        Path app = Files.createDirectories(tmp.resolve("myapp"));
        List<String> commands = writeApplication(page, app);

        Path repo = seedRepository(root, tmp.resolve("repo"));
        String mvn = commands.stream().filter(c -> c.startsWith("mvn ")).findFirst()
                .orElseThrow(() -> new AssertionError("no mvn command in getting-started.md"));
        build(root, app, repo, mvn);
        assertThat(app.resolve("target").resolve("myapp.jar")).isRegularFile();

        String workerLine = commands.stream().filter(c -> c.contains("WorkerMain")).findFirst().orElseThrow();
        String producerLine = commands.stream().filter(c -> c.startsWith("java ") && !c.contains("WorkerMain"))
                .findFirst().orElseThrow();
        Path workerLog = tmp.resolve("worker.log");
        Process worker = shell(app, workerLine, workerLog);
        Path producerLog = tmp.resolve("producer.log");
        Process producer = shell(app, producerLine, producerLog);
        assertThat(producer.waitFor(120, TimeUnit.SECONDS)).as("producer finished").isTrue();
        assertThat(producer.exitValue()).as("producer exit code; output:%n%s", read(producerLog)).isZero();
        assertThat(read(producerLog).lines().filter(l -> l.startsWith("enqueued ")).count()).isEqualTo(2);

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> !worker.isAlive() || greeted(read(workerLog)));
        assertThat(read(workerLog)).as("worker output (the worker is %s)", worker.isAlive() ? "running" : "gone")
                .contains("hello, Ada (task ", "hello, Grace (task ");
        worker.toHandle().descendants().forEach(ProcessHandle::destroy);
        worker.destroy();
        assertThat(worker.waitFor(90, TimeUnit.SECONDS)).as("worker stopped after SIGTERM").isTrue();
        assertThat(worker.exitValue()).as("worker exit code; output:%n%s", read(workerLog)).isZero();
        String log = read(workerLog);
        assertThat(Pattern.compile("hello, (Ada|Grace) \\(task ").matcher(log).results().count()).isEqualTo(2);
    }

    private static boolean greeted(String log) {
        return log.contains("hello, Ada (task ") && log.contains("hello, Grace (task ");
    }

    /** Writes the page's files into {@code app}; returns the shell lines of the section, in order. */
    private static List<String> writeApplication(DocBlocks page, Path app) throws IOException {
        List<String> commands = new ArrayList<>();
        int pom = 0;
        int java = 0;
        int services = 0;
        int properties = 0;
        for (DocBlocks.Block block : page.blocks()) {
            if (!block.section().equals("Your first task")) {
                continue;
            }
            switch (block.language()) {
                case "xml" -> {
                    assertThat(block.text()).contains("<project");
                    Files.writeString(app.resolve("pom.xml"), block.text());
                    pom++;
                }
                case "java" -> {
                    Matcher pkg = PACKAGE.matcher(block.text());
                    Matcher type = TYPE.matcher(block.text());
                    assertThat(pkg.find() && type.find()).as("%s: a whole file with its package", page.where(block))
                            .isTrue();
                    Path dir = app.resolve("src/main/java").resolve(pkg.group(1).replace('.', '/'));
                    Files.createDirectories(dir);
                    Files.writeString(dir.resolve(type.group(1) + ".java"), block.text());
                    java++;
                }
                case "properties" -> {
                    Files.writeString(app.resolve("tasks.properties"), block.text());
                    properties++;
                }
                case "" -> {
                    Matcher file = SERVICES.matcher(block.before());
                    if (file.find()) {
                        Path target = app.resolve(file.group());
                        Files.createDirectories(target.getParent());
                        Files.writeString(target, block.text());
                        services++;
                    } else {
                        block.text().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(commands::add);
                    }
                }
                default -> throw new AssertionError(page.where(block) + ": unexpected block " + block.language());
            }
        }
        assertThat(List.of(pom, java, services, properties)).as("pom, java files, services file, properties")
                .containsExactly(1, 4, 1, 1);
        return commands;
    }

    /** A private local repository with this build's dev.tasks artifacts (parent, BOM, module poms and jars). */
    private static Path seedRepository(Path root, Path repo) throws IOException {
        String version = projectVersion(root);
        install(repo, "tasks-parent", version, root.resolve("pom.xml"), null);
        install(repo, "tasks-bom", version, root.resolve("tasks-bom/pom.xml"), null);
        for (String module : MODULES) {
            Path classes = root.resolve(module).resolve("target").resolve("classes");
            assertThat(classes).as("compiled classes of %s (build the reactor first)", module).isDirectory();
            install(repo, module, version, root.resolve(module).resolve("pom.xml"), classes);
        }
        return repo;
    }

    private static void install(Path repo, String artifact, String version, Path pom, Path classes) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("dev/tasks").resolve(artifact).resolve(version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (classes != null) {
            jar(classes, dir.resolve(artifact + "-" + version + ".jar"));
        }
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    private static String projectVersion(Path root) throws IOException {
        Matcher m = Pattern.compile("<artifactId>tasks-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(root.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The user's local repository: the one this test's own libraries were resolved from. */
    private static Path userRepository() {
        String jar = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        Path p = Path.of(jar);
        while (p != null && !Files.isDirectory(p.resolve("org").resolve("slf4j").resolve("slf4j-api"))) {
            p = p.getParent();
        }
        assertThat(p).as("local repository holding %s", jar).isNotNull();
        return p;
    }

    private void build(Path root, Path app, Path repo, String mvnLine) throws Exception {
        Path log = tmp.resolve("mvn.log");
        List<String> args = mvn(root, app, repo, mvnLine, true);
        int code = run(root, args, log);
        if (code != 0 && read(log).contains("offline mode")) {
            // A machine whose local repository lacks a plugin the page's build uses (the default
            // lifecycle's, maven-dependency-plugin): fetch it into the private repository only.
            args = mvn(root, app, repo, mvnLine, false);
            code = run(root, args, log);
        }
        assertThat(code).as("%s%n%s", String.join(" ", args), read(log)).isZero();
    }

    private static List<String> mvn(Path root, Path app, Path repo, String mvnLine, boolean offline) {
        List<String> args = new ArrayList<>(List.of(root.resolve("mvnw").toString(), "-B"));
        if (offline) {
            args.add("-o");
        }
        args.addAll(List.of("-f", app.resolve("pom.xml").toString(), "-Dmaven.repo.local=" + repo,
                "-Dmaven.repo.local.tail=" + userRepository()));
        args.addAll(List.of(mvnLine.substring("mvn ".length()).strip().split("\\s+")));
        return args;
    }

    private int run(Path root, List<String> args, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(args).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        environment(pb.environment());
        Process mvn = pb.start();
        started.add(mvn);
        assertThat(mvn.waitFor(300, TimeUnit.SECONDS)).as("mvn finished").isTrue();
        return mvn.exitValue();
    }

    private Process shell(Path dir, String line, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + line).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb.environment());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The java running this test first on the PATH; no TASKS_* settings from the caller's environment. */
    private static void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("TASKS_"));
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + java.io.File.pathSeparator + env.get("PATH"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
    }

    private static String read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
