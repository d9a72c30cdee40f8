package dev.tasks.spring;

/** As {@link H2SpringTransactionsTest}, through JPA: Hibernate and a {@code JpaTransactionManager}. */
class H2JpaSpringTransactionsTest extends H2SpringTransactionsTest {
    @Override
    protected Class<?> transactionConfig() {
        return JpaConfig.class;
    }
}
