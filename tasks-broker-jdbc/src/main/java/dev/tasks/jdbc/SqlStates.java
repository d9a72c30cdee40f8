package dev.tasks.jdbc;

import java.sql.SQLException;

/** SQLSTATE and vendor-code checks shared by the stores and the dialects. */
final class SqlStates {
    /** MariaDB's and MySQL's code of a duplicate key (their SQLSTATE is the generic 23000). */
    private static final int ER_DUP_ENTRY = 1062;

    private SqlStates() {}

    /** Whether {@code e} is a unique-key violation (a concurrent insert of the same key won). */
    static boolean isDuplicateKey(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if ("23505".equals(x.getSQLState())
                    || ("23000".equals(x.getSQLState()) && x.getErrorCode() == ER_DUP_ENTRY)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code e} says the transaction was rolled back to break a deadlock (SQLSTATE 40001). */
    static boolean isDeadlock(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if ("40001".equals(x.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
