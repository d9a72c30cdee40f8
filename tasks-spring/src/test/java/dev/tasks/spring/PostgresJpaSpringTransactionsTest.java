package dev.tasks.spring;

/** As {@link PostgresSpringTransactionsTest}, through JPA: Hibernate and a {@code JpaTransactionManager}. */
class PostgresJpaSpringTransactionsTest extends PostgresSpringTransactionsTest {
    @Override
    protected Class<?> transactionConfig() {
        return JpaConfig.class;
    }
}
