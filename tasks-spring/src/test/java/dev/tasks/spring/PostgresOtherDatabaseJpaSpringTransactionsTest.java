package dev.tasks.spring;

/** As {@link PostgresOtherDatabaseSpringTransactionsTest}, through JPA: Hibernate and a {@code JpaTransactionManager}. */
class PostgresOtherDatabaseJpaSpringTransactionsTest extends PostgresOtherDatabaseSpringTransactionsTest {
    @Override
    protected Class<?> transactionConfig() {
        return JpaConfig.class;
    }
}
