package dev.tasks.jdbc;

import dev.tasks.spi.support.LogSafe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Says once, when a broker opens an H2 database, what a commit on it survives: read from the database's
 * own {@code WRITE_DELAY}, so it holds for a caller's {@code DataSource} too.
 */
final class H2Durability {
    private static final Logger log = LogSafe.logger(H2Durability.class);

    private H2Durability() {}

    /** Logs what commits on the H2 database behind {@code c} survive; {@code where} names it. */
    static void report(Connection c, String where) {
        try {
            String url = c.getMetaData().getURL();
            if (url != null && url.toLowerCase(Locale.ROOT).startsWith("jdbc:h2:mem:")) {
                log.info("H2 database {} is in memory: its tasks are gone when the process that holds it exits", where);
                return;
            }
            long delay = writeDelay(c);
            if (delay == 0) {
                log.info("H2 database {}: every commit is in the file when it returns, so it survives kill -9 of any"
                        + " process sharing the database, but not a crash of the machine (H2 does not fsync); use"
                        + " PostgreSQL or Redis for that, or for several machines", where);
            } else {
                log.warn("H2 database {} has WRITE_DELAY={} ms: commits of the last {} ms are lost when the process"
                        + " holding the database dies (kill -9, out of memory); set WRITE_DELAY=0 to keep them", where,
                        delay, delay);
            }
        } catch (SQLException e) {
            log.warn("H2 database {}: cannot read its WRITE_DELAY setting ({}); whether commits survive the death of"
                    + " the process holding it is unknown", where, e.getMessage());
        }
    }

    private static long writeDelay(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Long.parseLong(rs.getString(1).trim()) : 0;
        } catch (NumberFormatException e) {
            throw new SQLException("WRITE_DELAY is not a number", e);
        }
    }
}
