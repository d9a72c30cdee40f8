package dev.tasks;

/** Invalid configuration: a bad broker URL, an unknown setting, an unreadable properties file. */
public class ConfigurationException extends TasksException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
