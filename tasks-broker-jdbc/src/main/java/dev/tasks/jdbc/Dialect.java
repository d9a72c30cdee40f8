package dev.tasks.jdbc;

import dev.tasks.ConfigurationException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The SQL databases this module speaks, and what differs between them. */
enum Dialect {
    POSTGRESQL("postgresql", "jdbc:postgresql:"),
    H2("h2", "jdbc:h2:");

    /** The folder of this dialect's migration scripts. */
    final String folder;

    final String urlPrefix;

    Dialect(String folder, String urlPrefix) {
        this.folder = folder;
        this.urlPrefix = urlPrefix;
    }

    static boolean supportsUrl(String url) {
        for (Dialect d : values()) {
            if (url.startsWith(d.urlPrefix)) {
                return true;
            }
        }
        return false;
    }

    static Dialect fromUrl(String url) {
        for (Dialect d : values()) {
            if (url.startsWith(d.urlPrefix)) {
                return d;
            }
        }
        throw new ConfigurationException("unsupported JDBC URL '" + dev.tasks.spi.BrokerSettings.redact(url)
                + "': the JDBC broker supports jdbc:postgresql: and jdbc:h2: URLs");
    }

    static Dialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (p.equals("h2")) {
            return H2;
        }
        throw new ConfigurationException("unsupported database '" + product
                + "': the JDBC broker supports PostgreSQL and H2");
    }
}
