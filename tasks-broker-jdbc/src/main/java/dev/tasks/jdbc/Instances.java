package dev.tasks.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Reads the instance id the migrations stored, through any connection, without statements that can fail. */
final class Instances {
    private Instances() {}

    /**
     * The instance id seen through {@code c}, or null when the broker's tables are not there (or {@code c}
     * reaches a database the broker does not support).
     */
    static String read(Connection c, TableNames names) throws SQLException {
        SqlDialect dialect = SqlDialects.find(c);
        if (dialect == null || !dialect.tableExists(c, names, names.prefix + "instance")) {
            return null;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM " + names.instance)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
