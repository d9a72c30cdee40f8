package dev.tasks.examples.spring;

/** The shop as it ships: Spring Boot's embedded H2, and the JDBC broker on that same DataSource. */
class H2ShopApplicationTest extends AbstractShopApplicationTest {
    @Override
    protected String brokerName() {
        return "JdbcBroker";
    }
}
