package dev.tasks.spi.support;

import dev.tasks.ConfigurationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the providers listed in {@code META-INF/services} files, turning a broken entry (a class that does
 * not exist, does not implement the interface or cannot be created) into a {@link ConfigurationException}
 * whose one-line message names the class and the file and line that list it, instead of a
 * {@link ServiceConfigurationError} with its stack trace.
 */
public final class ServiceFiles {
    private static final Pattern PROVIDER = Pattern.compile("(?:Provider )?(\\S+) (not found|not a subtype|could not be"
            + " instantiated)");

    private ServiceFiles() {}

    /**
     * Every provider of {@code service} that {@code loader} finds, in {@link ServiceLoader} order.
     *
     * @throws ConfigurationException for the first broken entry, naming the class, the file and what is wrong
     */
    public static <S> List<S> load(Class<S> service, ClassLoader loader) {
        List<S> providers = new ArrayList<>();
        try {
            for (S provider : ServiceLoader.load(service, loader)) {
                providers.add(provider);
            }
        } catch (ServiceConfigurationError e) {
            // No cause: the message says all there is, and a cause would be appended to the one line.
            throw new ConfigurationException(describe(e, service, loader));
        }
        return providers;
    }

    /** One line saying which entry of which file is broken, and how. */
    static String describe(ServiceConfigurationError e, Class<?> service, ClassLoader loader) {
        String file = "META-INF/services/" + service.getName();
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = PROVIDER.matcher(message);
        if (!m.find()) {
            String detail = message.startsWith(service.getName() + ": ")
                    ? message.substring(service.getName().length() + 2) : message;
            return file + ": " + oneLine(detail);
        }
        String className = m.group(1);
        String what = switch (m.group(2)) {
            case "not found" -> "class " + className + " not found on the class path";
            case "not a subtype" -> className + " does not implement " + service.getName();
            default -> "cannot create " + className + ": " + oneLine(rootCause(e));
        };
        return what + " (listed in " + where(file, className, loader) + ")";
    }

    /** The file (URL and line) that lists {@code className}, or the resource name when none can be read. */
    private static String where(String file, String className, ClassLoader loader) {
        try {
            Enumeration<URL> urls = loader == null ? ClassLoader.getSystemResources(file) : loader.getResources(file);
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(url.openStream(),
                        StandardCharsets.UTF_8))) {
                    int line = 0;
                    for (String text = in.readLine(); text != null; text = in.readLine()) {
                        line++;
                        int comment = text.indexOf('#');
                        if ((comment < 0 ? text : text.substring(0, comment)).strip().equals(className)) {
                            return url + ":" + line;
                        }
                    }
                }
            }
        } catch (IOException ignored) {
            // the message then names the resource without its location
        }
        return file;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof java.lang.reflect.InvocationTargetException ite && ite.getTargetException() != null) {
            t = ite.getTargetException();
        }
        return t == e ? String.valueOf(e.getMessage()) : t.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
