package dev.tasks.spring;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The order the JPA variants persist (the same {@code orders} table as the JDBC ones). */
@Entity(name = "SpringOrder")
@Table(name = "orders")
public class Order {
    @Id
    private long id;

    protected Order() {}

    Order(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }
}
