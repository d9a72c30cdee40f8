package dev.tasks;

import dev.tasks.spi.BrokerFactory;
import dev.tasks.spi.BrokerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Settings of a process (client, worker, beat, CLI), resolved once with this precedence, highest first:
 * <ol>
 *   <li>explicit values (command-line flags, code) given to {@link Builder#set};</li>
 *   <li>the environment: the setting {@code tasks.broker.url} is read from {@code TASKS_BROKER_URL}
 *       (upper case; {@code .} and {@code -} become {@code _}; a camel-case hump {@code keyPrefix} becomes
 *       {@code KEY_PREFIX});</li>
 *   <li>a properties file: {@code tasks.properties} in the working directory, or the file named by the
 *       environment variable {@code TASKS_CONFIG} (which must then exist);</li>
 *   <li>built-in defaults ({@link Brokers#DEFAULT_URL} for the broker URL).</li>
 * </ol>
 *
 * <p>Setting names carry the {@code tasks.} prefix ({@code tasks.broker.url}, {@code tasks.redis.keyPrefix});
 * {@link #get} accepts them with or without it. Every setting other than the broker URL and password is
 * passed to the broker as an option without the prefix ({@code redis.keyPrefix}), see
 * {@link #brokerSettings(Clock)}.
 *
 * <p>Secrets: the broker password can come from {@code TASKS_BROKER_PASSWORD}, from a file named by
 * {@code TASKS_BROKER_PASSWORD_FILE} (or {@code tasks.broker.password.file}; the first line is used, so a
 * Kubernetes or Docker secret file works as is), or from {@code tasks.broker.password} in the properties
 * file, so it never has to appear on a command line (visible in {@code ps}). {@link #toString()} and
 * {@link #describe()} never show it.
 *
 * <p>Immutable and thread-safe. The builder is not thread-safe.
 */
public final class TasksConfig {

    /** The broker URL setting. */
    public static final String BROKER_URL = "tasks.broker.url";
    /** The broker password setting (merged into the URL by {@link #brokerSettings(Clock)}). */
    public static final String BROKER_PASSWORD = "tasks.broker.password";
    /** A file whose first line is the broker password. */
    public static final String BROKER_PASSWORD_FILE = "tasks.broker.password.file";
    /** The properties file read from the working directory when {@value #CONFIG_ENV} is not set. */
    public static final String DEFAULT_FILE = "tasks.properties";
    /** The environment variable naming another properties file. */
    public static final String CONFIG_ENV = "TASKS_CONFIG";

    private static final String PREFIX = "tasks.";

    /** Where a value came from, for the effective-configuration log line. */
    public enum Source {
        /** Given explicitly (a command-line flag or code). */
        EXPLICIT,
        /** An environment variable. */
        ENVIRONMENT,
        /** The properties file. */
        FILE,
        /** The built-in default. */
        DEFAULT
    }

    private final Map<String, String> explicit;
    private final Map<String, String> environment;
    private final Map<String, String> file;
    private final Path filePath;

    private TasksConfig(Map<String, String> explicit, Map<String, String> environment, Map<String, String> file,
            Path filePath) {
        this.explicit = Map.copyOf(explicit);
        this.environment = Map.copyOf(environment);
        this.file = Map.copyOf(file);
        this.filePath = filePath;
    }

    /** Settings from the process environment and the default properties file, nothing explicit. */
    public static TasksConfig load() {
        return builder().build();
    }

    /** A builder reading the process environment and the working directory unless told otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** The broker URL, by precedence; {@link Brokers#DEFAULT_URL} when none is set. */
    public String brokerUrl() {
        return get(BROKER_URL).orElse(Brokers.DEFAULT_URL);
    }

    /** Where {@link #brokerUrl()} came from. */
    public Source brokerUrlSource() {
        return source(BROKER_URL);
    }

    /**
     * The broker password, from the environment, a password file or the properties file.
     *
     * @throws ConfigurationException when the password file cannot be read
     */
    public Optional<String> brokerPassword() {
        Optional<String> direct = get(BROKER_PASSWORD);
        if (direct.isPresent()) {
            return direct;
        }
        Optional<String> path = get(BROKER_PASSWORD_FILE);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        try {
            String content = Files.readString(Path.of(path.get()), StandardCharsets.UTF_8);
            int eol = content.indexOf('\n');
            String first = (eol < 0 ? content : content.substring(0, eol)).strip();
            return first.isEmpty() ? Optional.empty() : Optional.of(first);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("cannot read the broker password file '" + path.get() + "' (from "
                    + BROKER_PASSWORD_FILE + "): " + e, e);
        }
    }

    /**
     * A setting by name ({@code tasks.} prefix optional), by precedence.
     *
     * @return the value, or empty when no source sets it
     */
    public Optional<String> get(String name) {
        String key = canonical(name);
        String v = explicit.get(key);
        if (v == null) {
            v = environment.get(envName(key));
        }
        if (v == null) {
            v = file.get(key);
        }
        return Optional.ofNullable(v);
    }

    /** Where a setting's value comes from ({@link Source#DEFAULT} when unset). */
    public Source source(String name) {
        String key = canonical(name);
        if (explicit.containsKey(key)) {
            return Source.EXPLICIT;
        }
        if (environment.containsKey(envName(key))) {
            return Source.ENVIRONMENT;
        }
        return file.containsKey(key) ? Source.FILE : Source.DEFAULT;
    }

    /**
     * The settings whose name starts with {@code prefix} ({@code tasks.} prefix optional), from the
     * properties file with the explicit settings on top, keyed by the rest of the name, sorted. The
     * environment is not consulted: a variable name cannot be turned back into a setting name.
     */
    public SortedMap<String, String> withPrefix(String prefix) {
        String key = canonical(prefix);
        SortedMap<String, String> result = new TreeMap<>();
        for (Map<String, String> source : List.of(file, explicit)) {
            source.forEach((name, value) -> {
                if (name.startsWith(key)) {
                    result.put(name.substring(key.length()), value);
                }
            });
        }
        return result;
    }

    /** The properties file that was read, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(filePath);
    }

    /**
     * Settings for {@link Brokers#open(BrokerSettings)}: the broker URL with the password merged in when one
     * is configured separately (and the URL carries none), and as options every other setting without its
     * {@code tasks.} prefix. Options from the environment are those whose variable starts with
     * {@code TASKS_}: a variable that is the environment name of an option a broker module declares
     * ({@link BrokerFactory#optionNames()}), or of a setting in the file or set explicitly, takes that
     * spelling ({@code TASKS_REDIS_KEY_PREFIX} is {@code redis.keyPrefix}); others are named in lower case
     * with {@code _} turned into {@code .}. Variables ending in {@code _PASSWORD} or {@code _PASSWORD_FILE}
     * are never passed as options: the broker that needs one reads it from the environment.
     */
    public BrokerSettings brokerSettings(Clock clock) {
        Map<String, String> options = new TreeMap<>();
        Map<String, String> envKeys = new LinkedHashMap<>();
        for (String key : file.keySet()) {
            envKeys.put(envName(key), key);
        }
        for (String key : explicit.keySet()) {
            envKeys.put(envName(key), key);
        }
        for (String option : knownBrokerOptions()) {
            envKeys.putIfAbsent(envName(option), PREFIX + option);
        }
        environment.forEach((envVar, value) -> {
            if (envVar.endsWith("_PASSWORD") || envVar.endsWith("_PASSWORD_FILE")) {
                return; // secrets stay in the environment; the broker that needs one reads it there
            }
            String key = envKeys.getOrDefault(envVar, PREFIX + envVar.substring(PREFIX.length())
                    .toLowerCase(Locale.ROOT).replace('_', '.'));
            options.put(key, value);
        });
        options.putAll(file);
        for (String key : new TreeMap<>(options).keySet()) {
            get(key).ifPresent(v -> options.put(key, v));
        }
        options.putAll(explicit);
        options.remove(BROKER_URL);
        options.remove(BROKER_PASSWORD);
        options.remove(BROKER_PASSWORD_FILE);
        Map<String, String> stripped = new LinkedHashMap<>();
        options.forEach((k, v) -> stripped.put(k.substring(PREFIX.length()), v));
        String url = brokerUrl();
        Optional<String> password = brokerPassword();
        if (password.isPresent()) {
            url = withPassword(url, password.get());
        }
        return new BrokerSettings(url, clock, stripped);
    }

    /** Option names of every broker module on the class path ({@link BrokerFactory#optionNames()}). */
    private static java.util.Set<String> knownBrokerOptions() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (BrokerFactory f : java.util.ServiceLoader.load(BrokerFactory.class, TasksConfig.class.getClassLoader())) {
            names.addAll(f.optionNames());
        }
        return names;
    }

    /** The effective settings in one line, passwords masked, with where each came from. */
    public String describe() {
        StringBuilder sb = new StringBuilder("broker=").append(BrokerSettings.redact(brokerUrl()))
                .append(" (").append(brokerUrlSource().name().toLowerCase(Locale.ROOT)).append(')');
        if (get(BROKER_PASSWORD).isPresent() || get(BROKER_PASSWORD_FILE).isPresent()) {
            sb.append(", password=***");
        }
        if (filePath != null) {
            sb.append(", file=").append(filePath);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "TasksConfig[" + describe() + "]";
    }

    /**
     * Puts {@code password} into a URL that has none, in the form its scheme expects: {@code
     * redis://host} becomes {@code redis://:password@host}; {@code redis://user@host} and
     * {@code redis://user:@host} become {@code redis://user:password@host}; a URL with a non-empty password
     * of its own is returned unchanged.
     */
    static String withPassword(String url, String password) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:")) {
            if (lower.contains("password=")) {
                return url;
            }
            if (lower.startsWith("jdbc:h2:")) {
                return url + ";PASSWORD=" + password;
            }
            return url + (url.contains("?") ? "&" : "?") + "password="
                    + URLEncoder.encode(password, StandardCharsets.UTF_8);
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int authorityEnd = url.indexOf('/', scheme + 3);
        String authority = authorityEnd < 0 ? url.substring(scheme + 3) : url.substring(scheme + 3, authorityEnd);
        int at = authority.lastIndexOf('@');
        String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
        if (at < 0) {
            return url.substring(0, scheme + 3) + ":" + encoded + "@" + url.substring(scheme + 3);
        }
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        if (colon >= 0 && colon < userInfo.length() - 1) {
            return url; // the URL's own password wins
        }
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        return url.substring(0, scheme + 3) + user + ":" + encoded + url.substring(scheme + 3 + at);
    }

    static String canonical(String name) {
        Objects.requireNonNull(name, "name");
        return name.startsWith(PREFIX) ? name : PREFIX + name;
    }

    /** The environment variable of a setting: {@code tasks.redis.keyPrefix} is {@code TASKS_REDIS_KEY_PREFIX}. */
    public static String envName(String name) {
        String key = canonical(name);
        StringBuilder sb = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '-') {
                sb.append('_');
            } else if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(key.charAt(i - 1))) {
                sb.append('_').append(c);
            } else {
                sb.append(Character.toUpperCase(c));
            }
        }
        return sb.toString();
    }

    /** Builds a {@link TasksConfig}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> explicit = new LinkedHashMap<>();
        private Map<String, String> environment = System.getenv();
        private Path workingDirectory = Path.of("");
        private Path file;
        private boolean noFile;

        private Builder() {}

        /**
         * Sets a value explicitly (a command-line flag); wins over every other source. A null value is
         * ignored, so an absent flag can be passed as is.
         */
        public Builder set(String name, String value) {
            if (value != null) {
                explicit.put(canonical(name), value);
            }
            return this;
        }

        /** Uses this environment instead of the process's (for tests). */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /** Looks for {@value #DEFAULT_FILE} in this directory instead of the working directory. */
        public Builder workingDirectory(Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Reads no properties file at all, not even {@value #DEFAULT_FILE} in the working directory (for hosts
         * such as Spring Boot that bring their own configuration sources).
         */
        public Builder withoutFile() {
            this.noFile = true;
            this.file = null;
            return this;
        }

        /** Reads this properties file (which must exist) instead of looking for one. */
        public Builder file(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            this.noFile = false;
            return this;
        }

        /**
         * Reads the sources and snapshots them.
         *
         * @throws ConfigurationException when a named properties file is missing or unreadable
         */
        public TasksConfig build() {
            Map<String, String> env = new TreeMap<>();
            environment.forEach((k, v) -> {
                if (k.startsWith("TASKS_") && !k.equals(CONFIG_ENV) && v != null) {
                    env.put(k, v);
                }
            });
            if (noFile) {
                return new TasksConfig(explicit, env, Map.of(), null);
            }
            Path path = file;
            boolean required = path != null;
            if (path == null && environment.get(CONFIG_ENV) != null && !environment.get(CONFIG_ENV).isBlank()) {
                path = Path.of(environment.get(CONFIG_ENV));
                required = true;
            }
            if (path == null) {
                path = workingDirectory.resolve(DEFAULT_FILE);
            }
            Map<String, String> props = new TreeMap<>();
            Path read = null;
            if (Files.isRegularFile(path)) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(path)) {
                    p.load(in);
                } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                    throw new ConfigurationException("cannot read the properties file " + path + ": " + e, e);
                }
                for (String key : p.stringPropertyNames()) {
                    props.put(canonical(key.strip()), p.getProperty(key).strip());
                }
                read = path;
            } else if (required) {
                throw new ConfigurationException("properties file " + path + " (from "
                        + (file != null ? "the caller" : CONFIG_ENV) + ") does not exist");
            }
            return new TasksConfig(explicit, env, props, read);
        }
    }
}
