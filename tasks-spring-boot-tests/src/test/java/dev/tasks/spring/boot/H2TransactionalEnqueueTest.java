package dev.tasks.spring.boot;

/** Boot's embedded H2 DataSource, no tasks property at all: the broker is on the application's database. */
class H2TransactionalEnqueueTest extends AbstractTransactionalEnqueueTest {
    @Override
    protected String[] properties() {
        return new String[0];
    }
}
