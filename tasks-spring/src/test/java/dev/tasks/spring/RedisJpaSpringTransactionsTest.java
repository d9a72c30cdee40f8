package dev.tasks.spring;

/** As {@link RedisSpringTransactionsTest}, through JPA: Hibernate and a {@code JpaTransactionManager}. */
class RedisJpaSpringTransactionsTest extends RedisSpringTransactionsTest {
    @Override
    protected Class<?> transactionConfig() {
        return JpaConfig.class;
    }
}
