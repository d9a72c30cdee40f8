package dev.tasks.redis;

/**
 * A delivery's receipt: {@code <member>:<delivery count>}, where the member ({@code <level>-<entry id>} or
 * {@code r<level>-<entry id>}, see {@link QueueKeys}) names the stream entry of exactly one delivery.
 */
record Receipt(String member, String count) {

    /** The receipt {@code receipt} names, or null if it is not one of this broker's receipts. */
    static Receipt parse(String receipt) {
        if (receipt == null) {
            return null;
        }
        int colon = receipt.lastIndexOf(':');
        if (colon < 4 || colon == receipt.length() - 1) {
            return null;
        }
        String member = receipt.substring(0, colon);
        String count = receipt.substring(colon + 1);
        int level = member.charAt(0) == 'r' ? 1 : 0;
        if (!Character.isDigit(member.charAt(level)) || member.charAt(level + 1) != '-'
                || !count.chars().allMatch(Character::isDigit)) {
            return null;
        }
        for (int i = level + 2; i < member.length(); i++) {
            char c = member.charAt(i);
            if (!Character.isDigit(c) && c != '-') {
                return null;
            }
        }
        return new Receipt(member, count);
    }

    String entryId() {
        return QueueKeys.entryIdOf(member);
    }
}
