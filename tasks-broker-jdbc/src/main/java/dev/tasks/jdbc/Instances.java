package dev.tasks.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/** Reads the instance id the migrations stored, through any connection, without statements that can fail. */
final class Instances {
    private Instances() {}

    /** The instance id seen through {@code c}, or null when the broker's tables are not there. */
    static String read(Connection c, TableNames names) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        boolean upper = md.storesUpperCaseIdentifiers();
        String table = fold(names.prefix + "instance", upper);
        String schema = names.schema == null ? c.getSchema() : fold(names.schema, upper);
        try (ResultSet rs = md.getTables(null, schema, table, null)) {
            if (!rs.next()) {
                return null;
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM " + names.instance)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String fold(String s, boolean upper) {
        return upper ? s.toUpperCase(Locale.ROOT) : s.toLowerCase(Locale.ROOT);
    }
}
