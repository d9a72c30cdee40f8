package dev.tasks.jdbc;

/**
 * A lease handle: the row id and the random token written when the row was claimed. A redelivery writes
 * a new token, so an old receipt no longer matches the row and cannot ack or extend it.
 */
record Receipt(long id, long token) {

    static String format(long id, long token) {
        return id + ":" + Long.toHexString(token);
    }

    /** Parses a receipt made by {@link #format}, or returns null for anything else (e.g. another broker's). */
    static Receipt parse(String receipt) {
        if (receipt == null) {
            return null;
        }
        int colon = receipt.indexOf(':');
        if (colon <= 0 || colon == receipt.length() - 1) {
            return null;
        }
        try {
            return new Receipt(Long.parseLong(receipt, 0, colon, 10),
                    Long.parseUnsignedLong(receipt, colon + 1, receipt.length(), 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
