package dev.tasks.jdbc;

import java.sql.SQLException;

/** SQLSTATE checks shared by the stores. */
final class SqlStates {
    private SqlStates() {}

    /** Whether {@code e} is a unique-key violation (a concurrent insert of the same key won). */
    static boolean isDuplicateKey(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if ("23505".equals(x.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
