package dev.tasks.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of ../docs and the design, enforced on the main code of every module: which module
 * may use which, that no module uses another module's {@code internal} package, and that the benchmarks
 * open brokers by URL as users do. Each class is assigned to the module whose jar or {@code target/classes}
 * it was loaded from (packages alone cannot tell: {@code dev.tasks.worker.cli} lives in tasks-cli).
 */
class ArchitectureTest {
    /** Where each module may reach; a module missing here may use nothing of this project but itself. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "tasks-api", Set.of(),
            "tasks-broker-redis", Set.of("tasks-api"),
            "tasks-broker-jdbc", Set.of("tasks-api"),
            "tasks-worker", Set.of("tasks-api"),
            "tasks-beat", Set.of("tasks-api"),
            "tasks-dashboard", Set.of("tasks-api"),
            "tasks-spring", Set.of("tasks-api"),
            "tasks-opentelemetry", Set.of("tasks-api"),
            "tasks-cli", Set.of("tasks-api", "tasks-worker", "tasks-beat", "tasks-dashboard"),
            // the benchmarks measure brokers as users open them: by URL, never by their classes
            "benchmarks", Set.of("tasks-api", "tasks-worker", "tasks-beat"));

    private static final Pattern FROM_DIRECTORY = Pattern.compile("/([a-z0-9-]+)/target/classes/");
    private static final Pattern FROM_JAR = Pattern.compile("/([a-z0-9-]+?)-\\d[^/]*\\.jar!");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.tasks");
    }

    @Test
    void every_module_is_on_the_class_path_of_this_test() {
        Set<String> seen = new TreeSet<>();
        for (JavaClass c : classes) {
            module(c).ifPresent(seen::add);
        }
        assertThat(seen).as("modules whose main classes were found").containsAll(ALLOWED.keySet());
    }

    @Test
    void modules_use_only_the_modules_they_may() {
        assertThat(violations(false)).as("uses of a module that the using module may not reach").isEmpty();
    }

    @Test
    void no_module_uses_another_modules_internal_package() {
        assertThat(violations(true)).as("uses of another module's internal package").isEmpty();
    }

    /** Checks the rules on planted violations, so that a rule that matches nothing cannot pass unnoticed. */
    @Test
    void the_rules_catch_planted_violations() {
        assertThat(problem("tasks-broker-redis", "tasks-worker", "dev.tasks.worker.Worker", false)).isNotNull();
        assertThat(problem("tasks-broker-jdbc", "tasks-broker-redis", "dev.tasks.redis.RedisBroker", false)).isNotNull();
        assertThat(problem("tasks-api", "tasks-worker", "dev.tasks.worker.Worker", false)).isNotNull();
        assertThat(problem("benchmarks", "tasks-broker-redis", "dev.tasks.redis.RedisBroker", false)).isNotNull();
        assertThat(problem("tasks-worker", "tasks-api", "dev.tasks.internal.DefaultTasks", true)).isNotNull();
        assertThat(problem("tasks-cli", "tasks-beat", "dev.tasks.beat.internal.DefaultBeat", true)).isNotNull();
        assertThat(problem("tasks-worker", "tasks-api", "dev.tasks.spi.support.LogSafe", true)).isNull();
        assertThat(problem("tasks-cli", "tasks-worker", "dev.tasks.worker.Worker", false)).isNull();
    }

    private static List<String> violations(boolean internalOnly) {
        Set<String> found = new TreeSet<>();
        for (JavaClass c : classes) {
            Optional<String> from = module(c);
            if (from.isEmpty() || !ALLOWED.containsKey(from.get())) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass();
                if (!target.getPackageName().startsWith("dev.tasks")) {
                    continue;
                }
                Optional<String> to = module(target);
                if (to.isEmpty() || to.get().equals(from.get())) {
                    continue;
                }
                String p = problem(from.get(), to.get(), target.getName(), internalOnly);
                if (p != null) {
                    found.add(c.getName() + " (" + from.get() + ") -> " + target.getName() + ": " + p);
                }
            }
        }
        return new ArrayList<>(found);
    }

    /** What is wrong with a use of {@code target} (in module {@code to}) from module {@code from}, or null. */
    private static String problem(String from, String to, String target, boolean internalOnly) {
        if (internalOnly) {
            return target.contains(".internal.") ? "the internal package of " + to : null;
        }
        return ALLOWED.getOrDefault(from, Set.of()).contains(to) ? null : from + " may not use " + to;
    }

    private static Optional<String> module(JavaClass c) {
        return c.getSource().map(s -> s.getUri().toString()).flatMap(uri -> {
            Matcher dir = FROM_DIRECTORY.matcher(uri);
            if (dir.find()) {
                return Optional.of(dir.group(1));
            }
            Matcher jar = FROM_JAR.matcher(uri);
            return jar.find() ? Optional.of(jar.group(1)) : Optional.empty();
        });
    }
}
