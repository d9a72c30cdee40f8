package dev.tasks.jdbc;

import dev.tasks.ConfigurationException;
import dev.tasks.spi.BrokerSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Finds the {@link SqlDialect} of a JDBC URL or of the database behind a connection: PostgreSQL, MariaDB or
 * MySQL, and H2. Each call returns a new dialect instance (it may hold per-broker state).
 */
final class SqlDialects {
    private record Known(String product, List<String> urlPrefixes, Supplier<SqlDialect> create) {}

    private static final List<Known> KNOWN = List.of(
            new Known("postgresql", List.of("jdbc:postgresql:"), PostgresDialect::new),
            new Known("mariadb", List.of("jdbc:mariadb:"), MariaDbDialect::new),
            new Known("mysql", List.of("jdbc:mysql:"), MariaDbDialect::new),
            new Known("h2", List.of("jdbc:h2:"), H2Dialect::new));

    private static final String SUPPORTED_URLS = "jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql: and jdbc:h2:";

    private SqlDialects() {}

    static boolean supportsUrl(String url) {
        return find(url) != null;
    }

    /**
     * The dialect of a JDBC URL.
     *
     * @throws ConfigurationException for a URL of a database the broker does not support
     */
    static SqlDialect fromUrl(String url) {
        Known k = find(url);
        if (k == null) {
            throw new ConfigurationException("unsupported JDBC URL '" + BrokerSettings.redact(url)
                    + "': the JDBC broker supports " + SUPPORTED_URLS + " URLs");
        }
        return k.create.get();
    }

    private static Known find(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        for (Known k : KNOWN) {
            for (String prefix : k.urlPrefixes) {
                if (lower.startsWith(prefix)) {
                    return k;
                }
            }
        }
        return null;
    }

    /**
     * The dialect of the database behind {@code c}, from its product name.
     *
     * @throws ConfigurationException for a database the broker does not support
     */
    static SqlDialect of(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName();
        SqlDialect d = ofProduct(product);
        if (d == null) {
            throw new ConfigurationException("unsupported database '" + product
                    + "': the JDBC broker supports PostgreSQL, MariaDB, MySQL and H2");
        }
        return d;
    }

    /** The dialect of the database behind {@code c}, or null when the broker does not support it. */
    static SqlDialect find(Connection c) throws SQLException {
        return ofProduct(c.getMetaData().getDatabaseProductName());
    }

    private static SqlDialect ofProduct(String product) {
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        for (Known k : KNOWN) {
            if (k.product.equals("h2") ? p.equals("h2") : p.contains(k.product)) {
                return k.create.get();
            }
        }
        return null;
    }
}
