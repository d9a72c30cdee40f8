package dev.tasks.jdbc;

/** A message row a claim leased: its columns as the claim left them (deliveries already counted). */
record ClaimedRow(long id, String queue, String messageId, int priority, long runAt, int deliveries, String payload) {}
